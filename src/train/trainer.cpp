#include "train/trainer.h"

#include <cmath>
#include <string>

#include "common/error.h"
#include "train/loss.h"

namespace qwasm::train {

Trainer::Trainer(Network& net, const Dataset& data, TrainConfig config) : net_(net), data_(data), config_(config), rng_(config.seed) {
  data_.validate("data");
  if (data_.sampleShape != net_.sampleShape()) {
    throwInvalidArgument("data: samples are " + graph::shapeString(data_.sampleShape) + " but the model takes " + graph::shapeString(net_.sampleShape()));
  }
  if (config_.epochs < 1) throwInvalidArgument("epochs must be >= 1, got " + std::to_string(config_.epochs));
  if (config_.batchSize < 1) throwInvalidArgument("batchSize must be >= 1, got " + std::to_string(config_.batchSize));
  const std::vector<Param*> params = net_.params();
  for (Param* p : params) p->grad.reset(p->value.shape);
  optimizer_ = std::make_unique<Optimizer>(config_.optimizer, params);
  progress_.batchesPerEpoch = (data_.count() + config_.batchSize - 1) / config_.batchSize;
  progress_.totalSteps = progress_.batchesPerEpoch * config_.epochs;
  order_.resize(static_cast<size_t>(data_.count()));
  startEpoch();
  progress_.epoch = 0;
}

Trainer::~Trainer() { net_.releaseBuffers(); }

void Trainer::startEpoch() {
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<int64_t>(i);
  if (config_.shuffle) rng_.shuffle(order_);
  lossSum_ = 0;
  seen_ = 0;
  correct_ = 0;
}

TrainProgress Trainer::run(int64_t maxBatches, const std::function<void(const TrainProgress&)>& onBatch) {
  if (cancelled_) throwInvalidArgument("train: the run was cancelled");
  const int64_t limit = maxBatches <= 0 ? progress_.totalSteps : maxBatches;
  for (int64_t b = 0; b < limit && !progress_.done; ++b) {
    if (progress_.batch == progress_.batchesPerEpoch) {
      ++progress_.epoch;
      progress_.batch = 0;
      startEpoch();
    }
    const int64_t start = progress_.batch * config_.batchSize;
    const int64_t n = std::min<int64_t>(config_.batchSize, data_.count() - start);
    data_.gather(order_.data() + start, n, batch_, labels_);
    const Tensor& logits = net_.forward(batch_, true);
    const LossResult r = softmaxCrossEntropy(logits, labels_.data(), &dLogits_);
    if (!std::isfinite(r.loss)) throwInvalidArgument("train: the loss became " + std::to_string(r.loss) + " at step " + std::to_string(progress_.step) + " (lower the learning rate)");
    net_.backward(dLogits_);
    float lr = config_.optimizer.learningRate;
    if (config_.cosine) lr *= 0.5f * (1.0f + std::cos(3.14159265f * static_cast<float>(progress_.step) / static_cast<float>(progress_.totalSteps)));
    optimizer_->step(lr);
    lossSum_ += r.loss * static_cast<double>(n);
    seen_ += n;
    correct_ += r.correct;
    ++progress_.batch;
    ++progress_.step;
    progress_.batchLoss = r.loss;
    progress_.loss = lossSum_ / static_cast<double>(seen_);
    progress_.accuracy = static_cast<double>(correct_) / static_cast<double>(seen_);
    progress_.done = progress_.step >= progress_.totalSteps;
    if (onBatch) onBatch(progress_);
  }
  if (progress_.done) net_.releaseBuffers();
  return progress_;
}

void Trainer::cancel() {
  cancelled_ = true;
  net_.releaseBuffers();
  optimizer_.reset();
  for (Param* p : net_.params()) {
    p->state = {};
    p->grad = Tensor();
  }
  batch_ = Tensor();
  dLogits_ = Tensor();
  order_ = {};
}

Evaluation evaluate(Network& net, const Dataset& data, int64_t batchSize) {
  data.validate("data");
  if (batchSize < 1) throwInvalidArgument("batchSize must be >= 1");
  Evaluation e;
  Tensor batch;
  std::vector<int32_t> labels;
  std::vector<int64_t> idx;
  for (int64_t start = 0; start < data.count(); start += batchSize) {
    const int64_t n = std::min<int64_t>(batchSize, data.count() - start);
    idx.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = start + i;
    data.gather(idx.data(), n, batch, labels);
    const LossResult r = softmaxCrossEntropy(net.forward(batch, false), labels.data(), nullptr);
    e.loss += r.loss * static_cast<double>(n);
    e.correct += r.correct;
    e.count += n;
  }
  net.releaseBuffers();
  e.loss /= static_cast<double>(e.count);
  e.accuracy = static_cast<double>(e.correct) / static_cast<double>(e.count);
  return e;
}

}  // namespace qwasm::train
