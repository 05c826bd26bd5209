/// Multipart messages from one fuzz input: a byte `L` below 255 starts a frame of the next `L` bytes (fewer at the
/// end of the input); 255 makes the rest of the input one frame. At most 16 frames.
enum FrameSplit {
    static func frames(_ input: UnsafeRawBufferPointer) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var i = 0
        while i < input.count, frames.count < 16 {
            let l = Int(input[i])
            i += 1
            let end = l == 255 ? input.count : min(input.count, i + l)
            frames.append(Array(input[i..<end]))
            i = end
        }
        return frames
    }
}
