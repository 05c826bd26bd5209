import Foundation

/// The KV-cache capacity of a deployment, derived from the model's size and the GPUs' memory.
///
/// `tokens = floor((gpuMemoryBytes * tensorParallel * memoryUtilisation - parameters * bytesPerValue)
///  / kvBytesPerToken)` with `kvBytesPerToken = 2 (K and V) * layers * kvHeads * headDimension * bytesPerValue`.
/// Activations and the CUDA graphs' workspace are not subtracted (vLLM profiles them; here they are inside the
/// `1 - memoryUtilisation` reserve). The KV cache is counted in tokens, not in 16-token blocks.
public struct KVCacheCapacity: Sendable, Equatable, CustomStringConvertible {
    /// Transformer shape of a model.
    public struct ModelShape: Sendable, Equatable {
        /// Model name.
        public var name: String
        /// Parameter count.
        public var parameters: Double
        /// Transformer layers.
        public var layers: Int
        /// Key/value heads (grouped-query attention: fewer than the query heads).
        public var kvHeads: Int
        /// Dimension of one head.
        public var headDimension: Int

        public init(name: String, parameters: Double, layers: Int, kvHeads: Int, headDimension: Int) {
            self.name = name
            self.parameters = parameters
            self.layers = layers
            self.kvHeads = kvHeads
            self.headDimension = headDimension
        }

        /// Llama-2-70B: 68.98e9 parameters, 80 layers, 8 KV heads (GQA) of dimension 128.
        public static let llama2_70b = ModelShape(name: "llama2-70b", parameters: 68.98e9, layers: 80, kvHeads: 8,
                                                  headDimension: 128)
        /// Llama-2-7B: 6.74e9 parameters, 32 layers, 32 KV heads of dimension 128.
        public static let llama2_7b = ModelShape(name: "llama2-7b", parameters: 6.74e9, layers: 32, kvHeads: 32,
                                                 headDimension: 128)

        /// The shape for a table's model name (`llama2-70b`, `meta-llama/Llama-2-7b-hf`, ...), or nil.
        public static func named(_ model: String) -> ModelShape? {
            let m = model.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
            if m.contains("llama270b") { return .llama2_70b }
            if m.contains("llama27b") { return .llama2_7b }
            return nil
        }
    }

    public var model: ModelShape
    /// Bytes per weight and per KV value (2: fp16/bf16).
    public var bytesPerValue: Double
    /// Memory of one GPU in bytes.
    public var gpuMemoryBytes: Double
    /// GPUs holding one replica (tensor parallel).
    public var tensorParallel: Int
    /// Fraction of GPU memory the engine may use (vLLM's `gpu_memory_utilization`, default 0.9).
    public var memoryUtilisation: Double
    /// Memory bandwidth of one GPU in bytes per second (0 when unknown).
    public var memoryBandwidth: Double

    public init(model: ModelShape, bytesPerValue: Double = 2, gpuMemoryBytes: Double, tensorParallel: Int,
                memoryUtilisation: Double = 0.9, memoryBandwidth: Double = 0) {
        self.memoryBandwidth = memoryBandwidth
        self.model = model
        self.bytesPerValue = bytesPerValue
        self.gpuMemoryBytes = gpuMemoryBytes
        self.tensorParallel = tensorParallel
        self.memoryUtilisation = memoryUtilisation
    }

    /// KV bytes per token: `2 * layers * kvHeads * headDimension * bytesPerValue`.
    public var kvBytesPerToken: Double {
        2 * Double(model.layers * model.kvHeads * model.headDimension) * bytesPerValue
    }

    /// Time to read one token's KV from the GPUs' memory, in ms: `kvBytesPerToken / (tensorParallel *
    /// memoryBandwidth) * 1000` (0 when the bandwidth is unknown). A lower bound on what each KV token of a
    /// decoding request adds to a step.
    public var kvReadMsPerToken: Double {
        memoryBandwidth > 0 ? kvBytesPerToken / (Double(tensorParallel) * memoryBandwidth) * 1000 : 0
    }

    /// Memory bandwidth of a GPU named like the tables' `hardware` column (bytes/s; vendor data sheets): A100
    /// 80 GB SXM 2.039e12, H100 80 GB SXM 3.35e12 (also when power-capped); nil when unknown.
    public static func memoryBandwidth(ofHardware hardware: String) -> Double? {
        let h = hardware.lowercased()
        if h.hasPrefix("h100") { return 3.35e12 }
        if h.hasPrefix("a100") { return 2.039e12 }
        return nil
    }

    /// Tokens that fit in the KV cache (0 when the weights do not fit).
    public var tokens: Int {
        let free = gpuMemoryBytes * Double(tensorParallel) * memoryUtilisation - model.parameters * bytesPerValue
        return max(0, Int(free / kvBytesPerToken))
    }

    /// The deployment a step table was measured on: the model by name, 80 GB GPUs (every table in `data/` is from
    /// 80 GB A100s or H100s), the table's tensor-parallel degree, the GPU's memory bandwidth by name.
    /// - Throws: ``SimulationError`` (`invalidConfiguration`) for a model whose shape is not known.
    public static func of(_ table: MeasuredStepTable) throws(SimulationError) -> KVCacheCapacity {
        guard let shape = ModelShape.named(table.model) else {
            throw SimulationError(
                .invalidConfiguration,
                "\(table.source): no model shape known for '\(table.model)' (known: llama2-70b, llama2-7b); give the KV capacity in tokens")
        }
        return KVCacheCapacity(model: shape, gpuMemoryBytes: 80e9, tensorParallel: table.tensorParallel,
                               memoryBandwidth: memoryBandwidth(ofHardware: table.hardware) ?? 0)
    }

    public var description: String {
        let gb = kvBytesPerToken / 1e3
        return "KV cache \(tokens) tokens = (\(Int(gpuMemoryBytes / 1e9)) GB x \(tensorParallel) GPU x "
            + "\(memoryUtilisation) - \(model.parameters / 1e9)e9 params x \(Int(bytesPerValue)) B) / "
            + "\(String(format: "%.1f", gb)) kB per token (2 x \(model.layers) layers x \(model.kvHeads) KV heads x "
            + "\(model.headDimension) x \(Int(bytesPerValue)) B)"
    }
}
