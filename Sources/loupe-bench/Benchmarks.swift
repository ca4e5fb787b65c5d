import LoupeModels
import LoupeTensor

/// The benchmark list, named exactly as torch_bench.py names its cases.
enum Benchmarks {
    static func addKernels(to list: inout BenchmarkList, batch n: Int) {
        var generator = SeededGenerator(seed: 0)
        list.add("sgemm_1024", gigaflops: 2 * 1024 * 1024 * 1024 / 1e9) {
            let a = Tensor.randomNormal([1024, 1024], using: &generator), b = Tensor.randomNormal([1024, 1024], using: &generator)
            return { _ = a.matmul(b) }
        }

        // (label, in channels, out channels, kernel, padding, spatial size, stride)
        let convolutions = [("conv3x3_64c_64x64", 64, 64, 3, 1, 64, 1), ("conv3x3_128c_32x32", 128, 128, 3, 1, 32, 1),
                            ("conv3x3_256c_16x16", 256, 256, 3, 1, 16, 1), ("conv1x1_256to64_64x64", 256, 64, 1, 0, 64, 1),
                            // RD's student at 256² with the EfficientNet-Lite0 teacher (no PyTorch counterpart).
                            ("conv3x3_224c_8x8", 224, 224, 3, 1, 8, 1), ("conv3x3_112c_16x16", 112, 112, 3, 1, 16, 1),
                            ("conv3x3_40c_32x32", 40, 40, 3, 1, 32, 1), ("conv3x3_24c_64x64", 24, 24, 3, 1, 64, 1),
                            // Its bottleneck's stride-2 fusion convolutions.
                            ("conv3x3s2_336to224_16x16", 336, 224, 3, 1, 16, 2), ("conv3x3s2_40to112_32x32", 40, 112, 3, 1, 32, 2),
                            ("conv3x3s2_24to40_64x64", 24, 40, 3, 1, 64, 2),
                            // pfadseg's and stu-seg's students below 64² and their segmentation networks' first layer.
                            ("conv3x3_64c_32x32", 64, 64, 3, 1, 32, 1), ("conv3x3_128c_16x16", 128, 128, 3, 1, 16, 1),
                            ("conv3x3_256c_8x8", 256, 256, 3, 1, 8, 1), ("conv3x3_176to64_64x64", 176, 64, 3, 1, 64, 1),
                            // The pfadseg and stu-seg students' stem on the image, and the EfficientNet-Lite teachers'.
                            ("conv7x7s2_3to32_256x256", 3, 32, 7, 3, 256, 2), ("conv3x3s2_3to32_256x256", 3, 32, 3, 1, 256, 2)]
        for (label, cin, cout, k, padding, spatial, stride) in convolutions {
            func inputs() -> (x: Tensor, weight: Parameter) {
                (Tensor.randomNormal([n, cin, spatial, spatial], using: &generator),
                 Parameter(Tensor.randomNormal([cout, cin, k, k], standardDeviation: 0.05, using: &generator)))
            }
            let outSpatial = spatial / stride
            let flops = 2.0 * Double(n * cout * outSpatial * outSpatial * cin * k * k) / 1e9
            list.add("\(label)_n\(n)_fwd", gigaflops: flops) {
                let (x, weight) = inputs()
                return { _ = withoutGradients { x.conv2d(weight: weight.value, stride: stride, padding: Padding2D(padding)) } }
            }
            list.add("\(label)_n\(n)_fwdbwd", gigaflops: 3 * flops) {
                let (x, weight) = inputs()
                let (tracked, gradient) = (x.requiringGradient(), Tensor.randomNormal([n, cout, outSpatial, outSpatial], using: &generator))
                return {
                    weight.zeroGradient()
                    tracked.conv2d(weight: weight.value, stride: stride, padding: Padding2D(padding)).backward(gradient: gradient)
                }
            }
        }
        func deconvolutionInputs() -> (x: Tensor, weight: Parameter) {
            (Tensor.randomNormal([n, 128, 32, 32], using: &generator),
             Parameter(Tensor.randomNormal([128, 64, 2, 2], standardDeviation: 0.05, using: &generator)))
        }
        let flops = 2.0 * Double(n * 128 * 32 * 32 * 64 * 4) / 1e9
        list.add("deconv2x2s2_128to64_32to64_n\(n)_fwd", gigaflops: flops) {
            let (x, weight) = deconvolutionInputs()
            return { _ = withoutGradients { x.transposedConv2d(weight: weight.value, stride: 2) } }
        }
        list.add("deconv2x2s2_128to64_32to64_n\(n)_fwdbwd", gigaflops: 3 * flops) {
            let (x, weight) = deconvolutionInputs()
            let (tracked, gradient) = (x.requiringGradient(), Tensor.randomNormal([n, 64, 64, 64], using: &generator))
            return {
                weight.zeroGradient()
                tracked.transposedConv2d(weight: weight.value, stride: 2).backward(gradient: gradient)
            }
        }
        // rd-dual's student: 4×4 stride-2 transposed convolutions, the deepest and the widest
        // (no PyTorch counterpart; its step is rd-dual_step_256_n8).
        for (cin, cout, spatial) in [(464, 232, 8), (88, 48, 32)] {
            func inputs() -> (x: Tensor, weight: Parameter) {
                (Tensor.randomNormal([n, cin, spatial, spatial], using: &generator),
                 Parameter(Tensor.randomNormal([cin, cout, 4, 4], standardDeviation: 0.05, using: &generator)))
            }
            let label = "deconv4x4s2_\(cin)to\(cout)_\(spatial)to\(2 * spatial)_n\(n)"
            let flops = 2.0 * Double(n * cin * spatial * spatial * cout * 16) / 1e9
            list.add("\(label)_fwd", gigaflops: flops) {
                let (x, weight) = inputs()
                return { _ = withoutGradients { x.transposedConv2d(weight: weight.value, stride: 2, padding: 1) } }
            }
            list.add("\(label)_fwdbwd", gigaflops: 3 * flops) {
                let (x, weight) = inputs()
                let (tracked, gradient) = (x.requiringGradient(), Tensor.randomNormal([n, cout, 2 * spatial, 2 * spatial], using: &generator))
                return {
                    weight.zeroGradient()
                    tracked.transposedConv2d(weight: weight.value, stride: 2, padding: 1).backward(gradient: gradient)
                }
            }
        }
    }
}

extension Benchmarks {
    /// Teacher forward passes without a tape, named as torch_bench.py's network cases. Ours
    /// run as Loupe runs a teacher: evaluation mode, BatchNorms folded into the convolutions.
    static func addNetworks(to list: inout BenchmarkList, batch n: Int, size: Int) {
        var generator = SeededGenerator(seed: 1)
        // Built at the first case that asks, then shared by both of its cases.
        lazy var resnet: ResNet = {
            let network = ResNet(.resnet18, using: &generator)
            network.foldBatchNorms()
            return network
        }()
        lazy var lite: EfficientNetLite = {
            let network = EfficientNetLite(.lite0, using: &generator)
            network.foldBatchNorms()
            return network
        }()
        lazy var x = Tensor.randomNormal([n, 3, size, size], using: &generator)
        // 2 × multiply-adds of the convolutions and the classifier (ResNet-18: 1.8186 G at 224²).
        let full = 2 * 1.8186e9 * Double(n) * Double(size * size) / (224 * 224) / 1e9 + 2 * 512 * 1000 * Double(n) / 1e9
        let toLayer3 = 2 * 1.3026e9 * Double(n) * Double(size * size) / (224 * 224) / 1e9
        list.add("resnet18_fwd_b\(n)_\(size)", gigaflops: full) {
            let (network, x) = (resnet, x)
            return { _ = withoutGradients { network(x) } }
        }
        list.add("resnet18_to_layer3_fwd_b\(n)_\(size)", gigaflops: toLayer3) {
            let (network, x) = (resnet, x)
            return { _ = withoutGradients { network.features(x, stageCount: 3) } }
        }
        list.add("efficientnet-lite0_fwd_b\(n)_\(size)") {
            let (network, x) = (lite, x)
            return { _ = withoutGradients { network(x) } }
        }
        list.add("efficientnet-lite0_to_stride16_fwd_b\(n)_\(size)") {
            let (network, x) = (lite, x)
            return { _ = withoutGradients { network.features(x, stageCount: 3) } }
        }
    }
}

extension Benchmarks {
    /// Memory-bound ops around the convolutions (no PyTorch counterpart in torch_bench.py):
    /// these regress when a kernel stops being specialised or buffers stop being recycled.
    static func addElementOperations(to list: inout BenchmarkList, batch n: Int) {
        var generator = SeededGenerator(seed: 2)
        func large() -> Tensor { Tensor.randomNormal([n, 64, 128, 128], using: &generator) }
        list.add("relu_n\(n)_64c_128x128") {
            let x = large()
            return { _ = withoutGradients { x.relu() } }
        }
        list.add("maxpool3x3s2_n\(n)_64c_128x128") {
            let x = large()
            return { _ = withoutGradients { x.maxPool2d(kernelSize: 3, stride: 2, padding: 1) } }
        }
        // The students' stem pooling while training (winners kept for the backward).
        list.add("maxpool3x3s2_n\(n)_32c_128x128_fwdbwd") {
            let x = Tensor.randomNormal([n, 32, 128, 128], using: &generator).relu().requiringGradient()
            let gradient = Tensor.randomNormal([n, 32, 64, 64], using: &generator)
            return { x.maxPool2d(kernelSize: 3, stride: 2, padding: 1).backward(gradient: gradient) }
        }
        list.add("batchnorm_eval_n\(n)_64c_128x128") {
            let (x, norm) = (large(), BatchNorm2d(64))
            norm.eval()
            return { _ = withoutGradients { norm(x) } }
        }
        list.add("add_n\(n)_64c_64x64") {
            let x = Tensor.randomNormal([n, 64, 64, 64], using: &generator)
            return { _ = withoutGradients { x + x } }
        }
    }
}

extension Benchmarks {
    /// RD with the EfficientNet-Lite0 teacher, named as torch_bench.py's `rd_` cases: a
    /// training step on cached teacher features (bottleneck + student forward/backward and
    /// Adam), and inference at batch 1 (teacher, student, map; no blur).
    static func addReverseDistillation(to list: inout BenchmarkList, batch n: Int, size: Int) {
        var generator = SeededGenerator(seed: 3)
        // Built at the first case that asks, then shared by both.
        lazy var teacher: EfficientNetLite = {
            let network = EfficientNetLite(.lite0, using: &generator)
            network.foldBatchNorms()
            network.requireGradients(false)
            return network
        }()
        func student() -> ReverseDistillationModel {
            ReverseDistillationModel(teacher: .single(.efficientNetLite0, channels: [24, 40, 112]), seed: 0)
        }
        list.add("rd_efficientnet-lite0_train_step_cached_b\(n)_\(size)") {
            let model = student()
            let optimizer = Adam(parameters: model.parameters, learningRate: 0.005, betas: (0.5, 0.999))
            let cached = withoutGradients { teacher.features(Tensor.randomNormal([n, 3, size, size], using: &generator), stageCount: 3) }
            return {
                let loss = reverseDistillationLoss(teacher: cached, student: model(cached))
                optimizer.zeroGradients()
                loss.backward()
                optimizer.step()
            }
        }
        list.add("rd_efficientnet-lite0_infer_b1_\(size)") {
            let (network, evaluation) = (teacher, student())
            evaluation.eval()
            let one = Tensor.randomNormal([1, 3, size, size], using: &generator)
            let map = FeatureDistanceMap(height: size, width: size, sigma: 0)
            return {
                _ = withoutGradients {
                    let features = network.features(one, stageCount: 3)
                    return map(teacher: features, student: evaluation(features))
                }
            }
        }
    }
}
