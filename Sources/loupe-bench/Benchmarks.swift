import LoupeModels
import LoupeTensor

/// The benchmark list, named exactly as torch_bench.py names its cases.
enum Benchmarks {
    static func all(batch n: Int, size: Int) -> [Benchmark] {
        var generator = SeededGenerator(seed: 0)
        var list: [Benchmark] = []
        let a = Tensor.randomNormal([1024, 1024], using: &generator), b = Tensor.randomNormal([1024, 1024], using: &generator)
        list.append(Benchmark(name: "sgemm_1024", gigaflops: 2 * 1024 * 1024 * 1024 / 1e9) { _ = a.matmul(b) })

        // (label, in channels, out channels, kernel, padding, spatial size)
        let convolutions = [("conv3x3_64c_64x64", 64, 64, 3, 1, 64), ("conv3x3_128c_32x32", 128, 128, 3, 1, 32),
                            ("conv3x3_256c_16x16", 256, 256, 3, 1, 16), ("conv1x1_256to64_64x64", 256, 64, 1, 0, 64),
                            // RD's student at 256² with the EfficientNet-Lite0 teacher (no PyTorch counterpart).
                            ("conv3x3_224c_8x8", 224, 224, 3, 1, 8), ("conv3x3_112c_16x16", 112, 112, 3, 1, 16),
                            ("conv3x3_40c_32x32", 40, 40, 3, 1, 32), ("conv3x3_24c_64x64", 24, 24, 3, 1, 64)]
        for (label, cin, cout, k, padding, spatial) in convolutions {
            let x = Tensor.randomNormal([n, cin, spatial, spatial], using: &generator)
            let weight = Parameter(Tensor.randomNormal([cout, cin, k, k], standardDeviation: 0.05, using: &generator))
            let flops = 2.0 * Double(n * cout * spatial * spatial * cin * k * k) / 1e9
            let gradient = Tensor.randomNormal([n, cout, spatial, spatial], using: &generator)
            list.append(Benchmark(name: "\(label)_n\(n)_fwd", gigaflops: flops) {
                _ = withoutGradients { x.conv2d(weight: weight.value, padding: Padding2D(padding)) }
            })
            let tracked = x.requiringGradient()
            list.append(Benchmark(name: "\(label)_n\(n)_fwdbwd", gigaflops: 3 * flops) {
                weight.zeroGradient()
                tracked.conv2d(weight: weight.value, padding: Padding2D(padding)).backward(gradient: gradient)
            })
        }
        let x = Tensor.randomNormal([n, 128, 32, 32], using: &generator)
        let weight = Parameter(Tensor.randomNormal([128, 64, 2, 2], standardDeviation: 0.05, using: &generator))
        let gradient = Tensor.randomNormal([n, 64, 64, 64], using: &generator)
        let flops = 2.0 * Double(n * 128 * 32 * 32 * 64 * 4) / 1e9
        list.append(Benchmark(name: "deconv2x2s2_128to64_32to64_n\(n)_fwd", gigaflops: flops) {
            _ = withoutGradients { x.transposedConv2d(weight: weight.value, stride: 2) }
        })
        let tracked = x.requiringGradient()
        list.append(Benchmark(name: "deconv2x2s2_128to64_32to64_n\(n)_fwdbwd", gigaflops: 3 * flops) {
            weight.zeroGradient()
            tracked.transposedConv2d(weight: weight.value, stride: 2).backward(gradient: gradient)
        })
        return list
    }
}

extension Benchmarks {
    /// Teacher forward passes without a tape, named as torch_bench.py's network cases. Ours
    /// run as Loupe runs a teacher: evaluation mode, BatchNorms folded into the convolutions.
    static func networks(batch n: Int, size: Int) -> [Benchmark] {
        var generator = SeededGenerator(seed: 1)
        let resnet = ResNet(.resnet18, using: &generator)
        resnet.foldBatchNorms()
        let lite = EfficientNetLite(.lite0, using: &generator)
        lite.foldBatchNorms()
        let x = Tensor.randomNormal([n, 3, size, size], using: &generator)
        // 2 × multiply-adds of the convolutions and the classifier (ResNet-18: 1.8186 G at 224²).
        let full = 2 * 1.8186e9 * Double(n) * Double(size * size) / (224 * 224) / 1e9 + 2 * 512 * 1000 * Double(n) / 1e9
        let toLayer3 = 2 * 1.3026e9 * Double(n) * Double(size * size) / (224 * 224) / 1e9
        return [
            Benchmark(name: "resnet18_fwd_b\(n)_\(size)", gigaflops: full) { _ = withoutGradients { resnet(x) } },
            Benchmark(name: "resnet18_to_layer3_fwd_b\(n)_\(size)", gigaflops: toLayer3) {
                _ = withoutGradients { resnet.features(x, stageCount: 3) }
            },
            Benchmark(name: "efficientnet-lite0_fwd_b\(n)_\(size)", gigaflops: nil) { _ = withoutGradients { lite(x) } },
            Benchmark(name: "efficientnet-lite0_to_stride16_fwd_b\(n)_\(size)", gigaflops: nil) {
                _ = withoutGradients { lite.features(x, stageCount: 3) }
            },
        ]
    }
}

extension Benchmarks {
    /// Memory-bound ops around the convolutions (no PyTorch counterpart in torch_bench.py):
    /// these regress when a kernel stops being specialised or buffers stop being recycled.
    static func elementOperations(batch n: Int) -> [Benchmark] {
        var generator = SeededGenerator(seed: 2)
        let large = Tensor.randomNormal([n, 64, 128, 128], using: &generator)
        let small = Tensor.randomNormal([n, 64, 64, 64], using: &generator)
        let norm = BatchNorm2d(64)
        norm.eval()
        return [
            Benchmark(name: "relu_n\(n)_64c_128x128", gigaflops: nil) { _ = withoutGradients { large.relu() } },
            Benchmark(name: "maxpool3x3s2_n\(n)_64c_128x128", gigaflops: nil) {
                _ = withoutGradients { large.maxPool2d(kernelSize: 3, stride: 2, padding: 1) }
            },
            Benchmark(name: "batchnorm_eval_n\(n)_64c_128x128", gigaflops: nil) { _ = withoutGradients { norm(large) } },
            Benchmark(name: "add_n\(n)_64c_64x64", gigaflops: nil) { _ = withoutGradients { small + small } },
        ]
    }
}

extension Benchmarks {
    /// RD with the EfficientNet-Lite0 teacher, named as torch_bench.py's `rd_` cases: a
    /// training step on cached teacher features (bottleneck + student forward/backward and
    /// Adam), and inference at batch 1 (teacher, student, map; no blur).
    static func reverseDistillation(batch n: Int, size: Int) -> [Benchmark] {
        var generator = SeededGenerator(seed: 3)
        let teacher = EfficientNetLite(.lite0, using: &generator)
        teacher.foldBatchNorms()
        teacher.requireGradients(false)
        let model = ReverseDistillationModel(teacher: .single(.efficientNetLite0, channels: teacher.stageChannels), seed: 0)
        let optimizer = Adam(parameters: model.parameters, learningRate: 0.005, betas: (0.5, 0.999))
        let images = Tensor.randomNormal([n, 3, size, size], using: &generator)
        let cached = withoutGradients { teacher.features(images, stageCount: 3) }
        let one = images.sliced(alongAxis: 0, 0..<1)
        let map = FeatureDistanceMap(height: size, width: size, sigma: 0)
        let evaluation = ReverseDistillationModel(teacher: .single(.efficientNetLite0, channels: teacher.stageChannels), seed: 0)
        evaluation.eval()
        return [
            Benchmark(name: "rd_efficientnet-lite0_train_step_cached_b\(n)_\(size)", gigaflops: nil) {
                let loss = reverseDistillationLoss(teacher: cached, student: model(cached))
                optimizer.zeroGradients()
                loss.backward()
                optimizer.step()
            },
            Benchmark(name: "rd_efficientnet-lite0_infer_b1_\(size)", gigaflops: nil) {
                _ = withoutGradients {
                    let features = teacher.features(one, stageCount: 3)
                    return map(teacher: features, student: evaluation(features))
                }
            },
        ]
    }
}
