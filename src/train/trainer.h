// Mini-batch training of a Network with softmax cross-entropy: deterministic
// (seeded) shuffling, SGD/Adam, constant or cosine learning rate. run() does
// a bounded number of batches and returns, so a caller (a Web Worker) can
// report progress, yield and cancel between chunks; cancel() frees the
// activations and optimizer state at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "train/dataset.h"
#include "train/network.h"
#include "train/optimizer.h"
#include "train/random.h"

namespace qwasm::train {

struct TrainConfig {
  int64_t epochs = 1;
  int64_t batchSize = 64;
  OptimizerConfig optimizer;
  bool cosine = false;   // cosine decay of the learning rate to 0 over all steps
  uint64_t seed = 1;
  bool shuffle = true;
};

struct TrainProgress {
  int64_t epoch = 0;            // 0-based epoch of the last batch
  int64_t batch = 0;            // batches done in that epoch
  int64_t batchesPerEpoch = 0;
  int64_t step = 0;             // batches done in total
  int64_t totalSteps = 0;
  double loss = 0;              // mean training loss of the current epoch so far
  double accuracy = 0;          // training accuracy of the current epoch so far
  double batchLoss = 0;
  bool done = false;
};

class Trainer {
 public:
  // The network and data must outlive the trainer.
  Trainer(Network& net, const Dataset& data, TrainConfig config);
  ~Trainer();

  // Runs up to `maxBatches` batches (all remaining when <= 0); onBatch after each.
  TrainProgress run(int64_t maxBatches, const std::function<void(const TrainProgress&)>& onBatch = {});
  const TrainProgress& progress() const { return progress_; }
  bool done() const { return progress_.done; }
  // Stops: frees the network's activations and the optimizer state.
  void cancel();
  bool cancelled() const { return cancelled_; }

 private:
  void startEpoch();

  Network& net_;
  const Dataset& data_;
  TrainConfig config_;
  Rng rng_;
  std::unique_ptr<Optimizer> optimizer_;
  std::vector<int64_t> order_;
  TrainProgress progress_;
  double lossSum_ = 0;
  int64_t seen_ = 0, correct_ = 0;
  bool cancelled_ = false;
  Tensor batch_, dLogits_;
  std::vector<int32_t> labels_;
};

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
  int64_t correct = 0;
  int64_t count = 0;
};

// Inference-mode pass over the data (observers frozen, nothing cached).
Evaluation evaluate(Network& net, const Dataset& data, int64_t batchSize = 256);

}  // namespace qwasm::train
