import SaturnWire

/// The state file reader (`saturn agent --state-dir`): any bytes give the readable records and a damage report,
/// never a crash; what was read is written back to a file that reads intact and equal.
enum StateFileHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        let (state, _) = PersistedState.read(fileBytes: Array(input))
        let bytes = state.fileBytes()
        let (again, damage) = PersistedState.read(fileBytes: bytes)
        // Compared as bytes: a NaN in a record's figures makes `==` false.
        guard damage.isEmpty, again.fileBytes() == bytes else {
            fatalError("a state read back from its own file differs: \(damage)")
        }
    }
}
