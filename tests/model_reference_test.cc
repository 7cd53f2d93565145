// Every framework worker trains networks correctly: its per-step losses, final parameters and
// inference (test loss from predict) match a float64 reference trained here from the same
// initial weights on the same batches (nets/weights.h, worker/batches.h), for every layer type,
// loss and optimizer. Guards against layout slips (NHWC/HWIO/IO, flatten order, gate order), a
// loss fetched after the update, wrong optimizer formulas and batch-norm running statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <cctype>
#include <limits>
#include <map>
#include <optional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nets/network.h"
#include "nets/weights.h"
#include "runner/frontend_inputs.h"
#include "runner/frontends.h"
#include "runner/spawn.h"
#include "test_util.h"
#include "worker/batches.h"

namespace versus {
namespace {

using json = nlohmann::json;

// ---- A float64 reference: forward on a tape, backward by replaying it in reverse ---------------

struct Node {
  Shape shape;  // with the batch axis
  std::vector<double> v, g;
};
using P = std::shared_ptr<Node>;

P make_node(Shape shape) {
  auto n = std::make_shared<Node>();
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  n->shape = std::move(shape);
  n->v.assign(static_cast<size_t>(count), 0.0);
  n->g.assign(static_cast<size_t>(count), 0.0);
  return n;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

class Reference {
 public:
  bool biased_running_variance_ = false;  // MXNet's convention (see batch_norm)
  // Keras 3's Adam on TensorFlow: an Embedding's gradient is a tf.IndexedSlices with a row per token
  // occurrence, and keras.ops.square squares those rows before they are summed (backend/tensorflow/
  // sparse.py's elementwise_unary), so v gains Σ g² over a token's occurrences, not (Σ g)².
  bool keras_sparse_second_moment_ = false;

  Reference(const Network& net, const std::vector<HostTensor>& initial, OptimizerSpec opt)
      : net_(net), opt_(std::move(opt)) {
    for (const HostTensor& t : initial) {
      w_.emplace_back(t.data.begin(), t.data.end());
      dw_.emplace_back(t.data.size(), 0.0);
      slot1_.emplace_back(t.data.size(), 0.0);
      slot2_.emplace_back(t.data.size(), 0.0);
    }
  }

  double train_step(const HostTensor& x, const std::vector<float>& labels) {
    for (auto& d : dw_) std::fill(d.begin(), d.end(), 0.0);
    for (auto& entry : occurrence_squares_) std::fill(entry.second.begin(), entry.second.end(), 0.0);
    tape_.clear();
    const P logits = run(x, true);
    const double loss = loss_and_seed(*logits, labels);
    for (auto it = tape_.rbegin(); it != tape_.rend(); ++it) (*it)();
    update();
    return loss;
  }

  // Batch-mean loss in inference mode.
  double eval_loss(const HostTensor& x, const std::vector<float>& labels) {
    tape_.clear();
    const P logits = run(x, false);
    return loss_and_seed(*logits, labels);
  }

  const std::vector<std::vector<double>>& params() const { return w_; }

 private:
  P run(const HostTensor& x, bool training) {
    Shape s = x.shape;
    P in = make_node(s);
    std::copy(x.data.begin(), x.data.end(), in->v.begin());
    tokens_ = in;  // a token input's ids: id 0 is padding, masked by attention and mean_pool
    return layers(net_.layers, in, training);
  }

  // Whether position t of sample b holds a real token (not padding, id 0).
  bool real(int64_t b, int64_t t) const { return tokens_->v[b * tokens_->shape[1] + t] != 0; }

  P layers(const std::vector<Layer>& ls, P x, bool training) {
    for (const Layer& l : ls) x = layer(l, x, training);
    return x;
  }

  std::vector<double>& W(const Layer& l, size_t i) { return w_[static_cast<size_t>(l.params.at(i))]; }
  std::vector<double>& dW(const Layer& l, size_t i) { return dw_[static_cast<size_t>(l.params.at(i))]; }

  P layer(const Layer& l, P x, bool training) {
    const int64_t B = x->shape[0];
    Shape out{B};
    out.insert(out.end(), l.out_shape.begin(), l.out_shape.end());
    P y = make_node(out);
    const size_t n = x->v.size();
    if (l.type == "relu" || l.type == "sigmoid" || l.type == "tanh") {
      for (size_t i = 0; i < n; ++i) {
        const double v = x->v[i];
        y->v[i] = l.type == "relu" ? std::max(v, 0.0) : l.type == "sigmoid" ? sigmoid(v) : std::tanh(v);
      }
      tape_.push_back([x, y, t = l.type, n] {
        for (size_t i = 0; i < n; ++i) {
          const double yv = y->v[i];
          const double d = t == "relu"      ? (x->v[i] > 0 ? 1.0 : 0.0)
                           : t == "sigmoid" ? yv * (1 - yv)
                                            : 1 - yv * yv;
          x->g[i] += y->g[i] * d;
        }
      });
    } else if (l.type == "flatten") {
      y->v = x->v;
      tape_.push_back([x, y, n] {
        for (size_t i = 0; i < n; ++i) x->g[i] += y->g[i];
      });
    } else if (l.type == "dense") {
      dense(l, x, y);
    } else if (l.type == "conv2d") {
      conv2d(l, x, y);
    } else if (l.type == "max_pool" || l.type == "avg_pool") {
      pool(l, x, y);
    } else if (l.type == "batch_norm") {
      batch_norm(l, x, y, training);
    } else if (l.type == "residual") {
      const P body = layers(l.body, x, training);
      const P shortcut = l.shortcut.empty() ? x : layers(l.shortcut, x, training);
      for (size_t i = 0; i < y->v.size(); ++i) y->v[i] = body->v[i] + shortcut->v[i];
      tape_.push_back([body, shortcut, y] {
        for (size_t i = 0; i < y->v.size(); ++i) body->g[i] += y->g[i], shortcut->g[i] += y->g[i];
      });
    } else if (l.type == "embedding") {
      const int64_t dim = l.units;
      for (size_t i = 0; i < n; ++i)
        for (int64_t d = 0; d < dim; ++d) y->v[i * dim + d] = W(l, 0)[static_cast<size_t>(x->v[i]) * dim + d];
      std::vector<double>* squares = nullptr;
      if (keras_sparse_second_moment_) {
        const auto param = static_cast<size_t>(l.params.at(0));
        squares = &occurrence_squares_.try_emplace(param, w_.at(param).size(), 0.0).first->second;
      }
      tape_.push_back([this, &l, x, y, n, dim, squares] {
        for (size_t i = 0; i < n; ++i)
          for (int64_t d = 0; d < dim; ++d) {
            const size_t at = static_cast<size_t>(x->v[i]) * dim + d;
            dW(l, 0)[at] += y->g[i * dim + d];
            if (squares) (*squares)[at] += y->g[i * dim + d] * y->g[i * dim + d];
          }
      });
    } else if (l.type == "lstm") {
      lstm(l, x, y);
    } else if (l.type == "gelu") {
      gelu(l, x, y);
    } else if (l.type == "layer_norm") {
      layer_norm(l, x, y);
    } else if (l.type == "positional_embedding") {
      const int64_t rows = x->shape[0], per = static_cast<int64_t>(n) / rows;
      for (int64_t b = 0; b < rows; ++b)
        for (int64_t i = 0; i < per; ++i) y->v[b * per + i] = x->v[b * per + i] + W(l, 0)[i];
      tape_.push_back([this, &l, x, y, rows, per] {
        for (int64_t b = 0; b < rows; ++b)
          for (int64_t i = 0; i < per; ++i) x->g[b * per + i] += y->g[b * per + i], dW(l, 0)[i] += y->g[b * per + i];
      });
    } else if (l.type == "multi_head_attention") {
      attention(l, x, y);
    } else if (l.type == "mean_pool") {
      mean_pool(x, y);
    } else {
      ADD_FAILURE() << "reference has no layer " << l.type;
    }
    return y;
  }

  // Rows are the samples, or every position of every sample of a sequence.
  void dense(const Layer& l, P x, P y) {
    const int64_t in = x->shape.back(), B = static_cast<int64_t>(x->v.size()) / in, units = l.units;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t o = 0; o < units; ++o) {
        double s = W(l, 1)[o];
        for (int64_t i = 0; i < in; ++i) s += x->v[b * in + i] * W(l, 0)[o * in + i];
        y->v[b * units + o] = s;
      }
    tape_.push_back([this, &l, x, y, B, in, units] {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t o = 0; o < units; ++o) {
          const double g = y->g[b * units + o];
          dW(l, 1)[o] += g;
          for (int64_t i = 0; i < in; ++i) {
            dW(l, 0)[o * in + i] += g * x->v[b * in + i];
            x->g[b * in + i] += g * W(l, 0)[o * in + i];
          }
        }
    });
  }

  // Visits every (output, input, weight) triple of a convolution with zero padding.
  template <typename F>
  static void conv_walk(const Shape& xs, const Shape& ys, int64_t k, int64_t stride, int64_t pad, F f) {
    const int64_t B = xs[0], C = xs[1], H = xs[2], Wd = xs[3], O = ys[1], OH = ys[2], OW = ys[3];
    for (int64_t b = 0; b < B; ++b)
      for (int64_t o = 0; o < O; ++o)
        for (int64_t i = 0; i < OH; ++i)
          for (int64_t j = 0; j < OW; ++j)
            for (int64_t c = 0; c < C; ++c)
              for (int64_t u = 0; u < k; ++u)
                for (int64_t v = 0; v < k; ++v) {
                  const int64_t h = i * stride + u - pad, w = j * stride + v - pad;
                  if (h < 0 || h >= H || w < 0 || w >= Wd) continue;
                  f(((b * O + o) * OH + i) * OW + j, ((b * C + c) * H + h) * Wd + w,
                    ((o * C + c) * k + u) * k + v, o);
                }
  }

  void conv2d(const Layer& l, P x, P y) {
    const int64_t plane = y->shape[2] * y->shape[3];
    for (size_t i = 0; i < y->v.size(); ++i) y->v[i] = W(l, 1)[(static_cast<int64_t>(i) / plane) % l.units];
    conv_walk(x->shape, y->shape, l.kernel, l.stride, l.padding,
              [&](int64_t yi, int64_t xi, int64_t wi, int64_t) { y->v[yi] += x->v[xi] * W(l, 0)[wi]; });
    tape_.push_back([this, &l, x, y, plane] {
      for (size_t i = 0; i < y->v.size(); ++i)
        dW(l, 1)[(static_cast<int64_t>(i) / plane) % l.units] += y->g[i];
      conv_walk(x->shape, y->shape, l.kernel, l.stride, l.padding,
                [&](int64_t yi, int64_t xi, int64_t wi, int64_t) {
                  dW(l, 0)[wi] += y->g[yi] * x->v[xi];
                  x->g[xi] += y->g[yi] * W(l, 0)[wi];
                });
    });
  }

  // Padding never counts: max ignores it, the average divides by the real elements.
  void pool(const Layer& l, P x, P y) {
    const int64_t planes = x->shape[0] * x->shape[1], H = x->shape[2], Wd = x->shape[3];
    const int64_t OH = y->shape[2], OW = y->shape[3];
    auto windows = std::make_shared<std::vector<std::vector<int64_t>>>();
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          std::vector<int64_t> win;
          for (int64_t u = 0; u < l.kernel; ++u)
            for (int64_t v = 0; v < l.kernel; ++v) {
              const int64_t h = i * l.stride + u - l.padding, w = j * l.stride + v - l.padding;
              if (h >= 0 && h < H && w >= 0 && w < Wd) win.push_back((p * H + h) * Wd + w);
            }
          windows->push_back(win);
        }
    const bool max = l.type == "max_pool";
    for (size_t o = 0; o < windows->size(); ++o) {
      const auto& win = (*windows)[o];
      double s = max ? -1e300 : 0.0;
      for (int64_t xi : win) s = max ? std::max(s, x->v[xi]) : s + x->v[xi];
      y->v[o] = max ? s : s / static_cast<double>(win.size());
    }
    tape_.push_back([x, y, windows, max] {
      for (size_t o = 0; o < windows->size(); ++o) {
        const auto& win = (*windows)[o];
        if (max) {
          const int64_t best = *std::max_element(win.begin(), win.end(),
                                                 [&](int64_t a, int64_t b) { return x->v[a] < x->v[b]; });
          x->g[best] += y->g[o];
        } else {
          for (int64_t xi : win) x->g[xi] += y->g[o] / static_cast<double>(win.size());
        }
      }
    });
  }

  void batch_norm(const Layer& l, P x, P y, bool training) {
    const int64_t B = x->shape[0], C = x->shape[1];
    const int64_t plane = x->shape.size() == 4 ? x->shape[2] * x->shape[3] : 1, count = B * plane;
    auto& [rmean, rvar] =
        running_.try_emplace(l.name, std::vector<double>(C, 0.0), std::vector<double>(C, 1.0)).first->second;
    auto at = [=](int64_t b, int64_t c, int64_t p) { return (b * C + c) * plane + p; };
    auto xhat = std::make_shared<std::vector<double>>(x->v.size());
    auto inv_std = std::make_shared<std::vector<double>>(C);
    for (int64_t c = 0; c < C; ++c) {
      double mean = 0, var = 0;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t p = 0; p < plane; ++p) mean += x->v[at(b, c, p)];
      mean /= count;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t p = 0; p < plane; ++p) var += std::pow(x->v[at(b, c, p)] - mean, 2);
      var /= count;
      if (training) {
        rmean[c] = l.momentum * rmean[c] + (1 - l.momentum) * mean;
        // The neutral convention is the unbiased batch variance (TF, PyTorch); MXNet's BatchNorm
        // op keeps the biased one (nets/network.h), and is checked against that.
        const double batch_var = biased_running_variance_ ? var : var * count / (count - 1);
        rvar[c] = l.momentum * rvar[c] + (1 - l.momentum) * batch_var;
      } else {
        mean = rmean[c], var = rvar[c];
      }
      (*inv_std)[c] = 1 / std::sqrt(var + l.epsilon);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t p = 0; p < plane; ++p) {
          const int64_t i = at(b, c, p);
          (*xhat)[i] = (x->v[i] - mean) * (*inv_std)[c];
          y->v[i] = W(l, 0)[c] * (*xhat)[i] + W(l, 1)[c];
        }
    }
    if (!training) return;
    tape_.push_back([this, &l, x, y, xhat, inv_std, B, C, plane, count, at] {
      for (int64_t c = 0; c < C; ++c) {
        double sum_g = 0, sum_gx = 0;
        for (int64_t b = 0; b < B; ++b)
          for (int64_t p = 0; p < plane; ++p) {
            const int64_t i = at(b, c, p);
            sum_g += y->g[i], sum_gx += y->g[i] * (*xhat)[i];
          }
        dW(l, 0)[c] += sum_gx;
        dW(l, 1)[c] += sum_g;
        const double gamma = W(l, 0)[c];
        for (int64_t b = 0; b < B; ++b)
          for (int64_t p = 0; p < plane; ++p) {
            const int64_t i = at(b, c, p);
            x->g[i] += gamma * (*inv_std)[c] / count * (count * y->g[i] - sum_g - (*xhat)[i] * sum_gx);
          }
      }
    });
  }

  void gelu(const Layer& l, P x, P y) {
    constexpr double c = 0.7978845608028654, k = 0.044715;
    const bool tanh_form = l.approximate_tanh;
    auto f = [tanh_form](double v) {
      return tanh_form ? 0.5 * v * (1 + std::tanh(c * (v + k * v * v * v))) : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    };
    auto df = [tanh_form](double v) {
      if (!tanh_form) return 0.5 * (1 + std::erf(v / std::sqrt(2.0))) + v * std::exp(-v * v / 2) / std::sqrt(2 * M_PI);
      const double t = std::tanh(c * (v + k * v * v * v));
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * k * v * v);
    };
    for (size_t i = 0; i < x->v.size(); ++i) y->v[i] = f(x->v[i]);
    tape_.push_back([x, y, df] {
      for (size_t i = 0; i < x->v.size(); ++i) x->g[i] += y->g[i] * df(x->v[i]);
    });
  }

  // Over the last axis, per row.
  void layer_norm(const Layer& l, P x, P y) {
    const int64_t D = x->shape.back(), rows = static_cast<int64_t>(x->v.size()) / D;
    auto xhat = std::make_shared<std::vector<double>>(x->v.size());
    auto inv = std::make_shared<std::vector<double>>(rows);
    for (int64_t r = 0; r < rows; ++r) {
      double mean = 0, var = 0;
      for (int64_t d = 0; d < D; ++d) mean += x->v[r * D + d];
      mean /= D;
      for (int64_t d = 0; d < D; ++d) var += std::pow(x->v[r * D + d] - mean, 2);
      (*inv)[r] = 1 / std::sqrt(var / D + l.epsilon);
      for (int64_t d = 0; d < D; ++d) {
        (*xhat)[r * D + d] = (x->v[r * D + d] - mean) * (*inv)[r];
        y->v[r * D + d] = W(l, 0)[d] * (*xhat)[r * D + d] + W(l, 1)[d];
      }
    }
    tape_.push_back([this, &l, x, y, xhat, inv, D, rows] {
      for (int64_t r = 0; r < rows; ++r) {
        double sum_g = 0, sum_gx = 0;
        for (int64_t d = 0; d < D; ++d) {
          const double g = y->g[r * D + d] * W(l, 0)[d];
          sum_g += g, sum_gx += g * (*xhat)[r * D + d];
          dW(l, 0)[d] += y->g[r * D + d] * (*xhat)[r * D + d];
          dW(l, 1)[d] += y->g[r * D + d];
        }
        for (int64_t d = 0; d < D; ++d) {
          const double g = y->g[r * D + d] * W(l, 0)[d];
          x->g[r * D + d] += (*inv)[r] * (g - sum_g / D - (*xhat)[r * D + d] * sum_gx / D);
        }
      }
    });
  }

  // y = x·Wᵀ + b over [rows, D] with parameters (W, b) = params i, i+1 of `l`, on the tape.
  P projection(const Layer& l, size_t i, P x) {
    const int64_t D = x->shape.back();
    P y = make_node(x->shape);
    const int64_t rows = static_cast<int64_t>(x->v.size()) / D;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t o = 0; o < D; ++o) {
        double s = W(l, i + 1)[o];
        for (int64_t k = 0; k < D; ++k) s += x->v[r * D + k] * W(l, i)[o * D + k];
        y->v[r * D + o] = s;
      }
    tape_.push_back([this, &l, i, x, y, rows, D] {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t o = 0; o < D; ++o) {
          const double g = y->g[r * D + o];
          dW(l, i + 1)[o] += g;
          for (int64_t k = 0; k < D; ++k) dW(l, i)[o * D + k] += g * x->v[r * D + k], x->g[r * D + k] += g * W(l, i)[o * D + k];
        }
    });
    return y;
  }

  // Self-attention over [B, T, D], padding keys masked; heads split D.
  void attention(const Layer& l, P x, P y) {
    const int64_t B = x->shape[0], T = x->shape[1], D = x->shape[2], H = l.units, dh = D / H;
    const P q = projection(l, 0, x), k = projection(l, 2, x), v = projection(l, 4, x);
    const P o = make_node(x->shape);
    auto p = std::make_shared<std::vector<double>>(static_cast<size_t>(B * H * T * T));
    const double scale = 1 / std::sqrt(static_cast<double>(dh));
    auto at = [=](int64_t b, int64_t t, int64_t h, int64_t e) { return (b * T + t) * D + h * dh + e; };
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < T; ++i) {
          double* row = &(*p)[((b * H + h) * T + i) * T];
          double m = -1e300, z = 0;
          for (int64_t j = 0; j < T; ++j) {
            if (!real(b, j)) continue;
            double sdot = 0;
            for (int64_t e = 0; e < dh; ++e) sdot += q->v[at(b, i, h, e)] * k->v[at(b, j, h, e)];
            row[j] = sdot * scale, m = std::max(m, row[j]);
          }
          for (int64_t j = 0; j < T; ++j) z += row[j] = real(b, j) ? std::exp(row[j] - m) : 0.0;
          for (int64_t j = 0; j < T; ++j) row[j] /= z;
          for (int64_t e = 0; e < dh; ++e) {
            double sum = 0;
            for (int64_t j = 0; j < T; ++j) sum += row[j] * v->v[at(b, j, h, e)];
            o->v[at(b, i, h, e)] = sum;
          }
        }
    tape_.push_back([q, k, v, o, p, B, T, H, dh, scale, at] {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t i = 0; i < T; ++i) {
            const double* row = &(*p)[((b * H + h) * T + i) * T];
            std::vector<double> dp(static_cast<size_t>(T));
            double delta = 0;
            for (int64_t j = 0; j < T; ++j) {
              for (int64_t e = 0; e < dh; ++e) {
                dp[j] += o->g[at(b, i, h, e)] * v->v[at(b, j, h, e)];
                v->g[at(b, j, h, e)] += row[j] * o->g[at(b, i, h, e)];
              }
              delta += row[j] * dp[j];
            }
            for (int64_t j = 0; j < T; ++j) {
              const double ds = row[j] * (dp[j] - delta) * scale;
              for (int64_t e = 0; e < dh; ++e) {
                q->g[at(b, i, h, e)] += ds * k->v[at(b, j, h, e)];
                k->g[at(b, j, h, e)] += ds * q->v[at(b, i, h, e)];
              }
            }
          }
    });
    const P out = projection(l, 6, o);
    y->v = out->v;
    tape_.push_back([y, out] {
      for (size_t i = 0; i < y->v.size(); ++i) out->g[i] += y->g[i];
    });
  }

  // [B, T, D] -> [B, D]: the mean over the real (non-padding) positions.
  void mean_pool(P x, P y) {
    const int64_t B = x->shape[0], T = x->shape[1], D = x->shape[2];
    auto count = std::make_shared<std::vector<double>>(B, 0.0);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < T; ++t) (*count)[b] += real(b, t);
      for (int64_t t = 0; t < T; ++t)
        if (real(b, t))
          for (int64_t d = 0; d < D; ++d) y->v[b * D + d] += x->v[(b * T + t) * D + d] / (*count)[b];
    }
    tape_.push_back([this, x, y, count, B, T, D] {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t)
          if (real(b, t))
            for (int64_t d = 0; d < D; ++d) x->g[(b * T + t) * D + d] += y->g[b * D + d] / (*count)[b];
    });
  }

  // Neutral gate order i, f, g, o; from h = c = 0; returns the last h.
  void lstm(const Layer& l, P x, P y) {
    const int64_t B = x->shape[0], T = x->shape[1], F = x->shape[2], H = l.units;
    struct Step {
      std::vector<double> gates, c, h;  // activated gates [B, 4H], c and h [B, H] after the step
    };
    auto steps = std::make_shared<std::vector<Step>>();
    std::vector<double> h(B * H, 0.0), c(B * H, 0.0);
    for (int64_t t = 0; t < T; ++t) {
      Step s{std::vector<double>(B * 4 * H), std::vector<double>(B * H), std::vector<double>(B * H)};
      for (int64_t b = 0; b < B; ++b) {
        for (int64_t r = 0; r < 4 * H; ++r) {
          double a = W(l, 2)[r] + W(l, 3)[r];
          for (int64_t f = 0; f < F; ++f) a += W(l, 0)[r * F + f] * x->v[(b * T + t) * F + f];
          for (int64_t k = 0; k < H; ++k) a += W(l, 1)[r * H + k] * h[b * H + k];
          s.gates[b * 4 * H + r] = r / H == 2 ? std::tanh(a) : sigmoid(a);
        }
        for (int64_t k = 0; k < H; ++k) {
          const double* g = &s.gates[b * 4 * H];
          s.c[b * H + k] = g[H + k] * c[b * H + k] + g[k] * g[2 * H + k];
          s.h[b * H + k] = g[3 * H + k] * std::tanh(s.c[b * H + k]);
        }
      }
      h = s.h, c = s.c;
      steps->push_back(std::move(s));
    }
    y->v = h;
    tape_.push_back([this, &l, x, y, steps, B, T, F, H] {
      std::vector<double> dh = y->g, dc(B * H, 0.0);
      for (int64_t t = T - 1; t >= 0; --t) {
        const Step& s = (*steps)[t];
        const std::vector<double> zeros(B * H, 0.0);
        const std::vector<double>& c_prev = t > 0 ? (*steps)[t - 1].c : zeros;
        const std::vector<double>& h_prev = t > 0 ? (*steps)[t - 1].h : zeros;
        std::vector<double> da(B * 4 * H), dh_prev(B * H, 0.0), dc_prev(B * H);
        for (int64_t b = 0; b < B; ++b)
          for (int64_t k = 0; k < H; ++k) {
            const double* g = &s.gates[b * 4 * H];
            const double i = g[k], f = g[H + k], gg = g[2 * H + k], o = g[3 * H + k];
            const double tc = std::tanh(s.c[b * H + k]);
            const double dcc = dc[b * H + k] + dh[b * H + k] * o * (1 - tc * tc);
            double* a = &da[b * 4 * H];
            a[k] = dcc * gg * i * (1 - i);
            a[H + k] = dcc * c_prev[b * H + k] * f * (1 - f);
            a[2 * H + k] = dcc * i * (1 - gg * gg);
            a[3 * H + k] = dh[b * H + k] * tc * o * (1 - o);
            dc_prev[b * H + k] = dcc * f;
          }
        for (int64_t b = 0; b < B; ++b)
          for (int64_t r = 0; r < 4 * H; ++r) {
            const double a = da[b * 4 * H + r];
            dW(l, 2)[r] += a, dW(l, 3)[r] += a;
            for (int64_t f = 0; f < F; ++f) {
              dW(l, 0)[r * F + f] += a * x->v[(b * T + t) * F + f];
              x->g[(b * T + t) * F + f] += a * W(l, 0)[r * F + f];
            }
            for (int64_t k = 0; k < H; ++k) {
              dW(l, 1)[r * H + k] += a * h_prev[b * H + k];
              dh_prev[b * H + k] += a * W(l, 1)[r * H + k];
            }
          }
        dh = dh_prev, dc = dc_prev;
      }
    });
  }

  double loss_and_seed(Node& logits, const std::vector<float>& labels) {
    const auto B = static_cast<int64_t>(labels.size());
    double loss = 0;
    if (net_.loss == "sigmoid_cross_entropy") {
      for (int64_t b = 0; b < B; ++b) {
        const double x = logits.v[b], z = labels[b];
        loss += std::max(x, 0.0) - x * z + std::log1p(std::exp(-std::abs(x)));
        logits.g[b] = (sigmoid(x) - z) / B;
      }
      return loss / B;
    }
    const int64_t C = net_.classes;
    for (int64_t b = 0; b < B; ++b) {
      const double* row = &logits.v[b * C];
      const double m = *std::max_element(row, row + C);
      double sum = 0;
      for (int64_t k = 0; k < C; ++k) sum += std::exp(row[k] - m);
      const auto label = static_cast<int64_t>(labels[b]);
      loss += m + std::log(sum) - row[label];
      for (int64_t k = 0; k < C; ++k) logits.g[b * C + k] = (std::exp(row[k] - m) / sum - (k == label)) / B;
    }
    return loss / B;
  }

  void update() {
    ++step_;
    for (size_t p = 0; p < w_.size(); ++p) {
      const auto keras_squares = occurrence_squares_.find(p);
      for (size_t i = 0; i < w_[p].size(); ++i) {
        const double g = dw_[p][i];
        const double g2 = keras_squares != occurrence_squares_.end() ? keras_squares->second[i] : g * g;
        double& w = w_[p][i];
        if (opt_.kind == "sgd") {
          w -= opt_.learning_rate * g;
        } else if (opt_.kind == "momentum") {
          slot1_[p][i] = opt_.momentum * slot1_[p][i] + g;
          w -= opt_.learning_rate * slot1_[p][i];
        } else {
          double &m = slot1_[p][i], &v = slot2_[p][i];
          m = opt_.beta1 * m + (1 - opt_.beta1) * g;
          v = opt_.beta2 * v + (1 - opt_.beta2) * g2;
          const double t = static_cast<double>(step_);
          w -= opt_.learning_rate * std::sqrt(1 - std::pow(opt_.beta2, t)) / (1 - std::pow(opt_.beta1, t)) *
               m / (std::sqrt(v) + opt_.epsilon);
        }
      }
    }
  }

  const Network& net_;
  OptimizerSpec opt_;
  std::vector<std::vector<double>> w_, dw_, slot1_, slot2_;
  // Keras's rule only: per embedding parameter, Σ g² over its rows' token occurrences this step.
  std::map<size_t, std::vector<double>> occurrence_squares_;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> running_;
  std::vector<std::function<void()>> tape_;
  int64_t step_ = 0;
  P tokens_;
};

// ---- Running the worker and the reference on the same request --------------------------------

constexpr uint64_t kSeed = 7;
constexpr int64_t kBatch = 8, kTrain = 96, kTest = 24, kSteps = 20;  // 20 steps cross an epoch

json request(const json& network, const json& optimizer) {
  return {{"network", network},     {"dataset", {{"name", "generated"}, {"train", kTrain}, {"test", kTest}}},
          {"seed", kSeed},          {"threads", 1},
          {"optimizer", optimizer}, {"batch", kBatch},
          {"epochs", 10},           {"max_steps", kSteps},
          {"evaluate", true},       {"return_parameters", true}};
}

// "tensorflow" runs the C++ worker; "tensorflow:keras" the Python tier's mode, from inputs the
// harness exports (runner/frontend_inputs.h) as `versus run train` does.
json run_worker(const std::string& backend, json req) {
  std::vector<std::string> command = {(testing::bin_dir() / ("versus-worker-" + backend)).string(), "--train"};
  std::vector<std::string> env;
  std::optional<testing::TempDir> inputs;
  if (const auto colon = backend.find(':'); colon != std::string::npos) {
    const auto frontend = python_frontend(backend.substr(0, colon));
    if (!frontend || !frontend->problem.empty()) {
      ADD_FAILURE() << backend << ": " << (frontend ? frontend->problem : "no Python tier");
      return json::object();
    }
    inputs.emplace();
    export_frontend_inputs(parse_network(req["network"]), req, inputs->path() / "inputs");
    req["inputs"] = (inputs->path() / "inputs").string();
    req["mode"] = backend.substr(colon + 1);
    command = frontend_command(*frontend);
    env = frontend_environment(*frontend);
  }
  const ProcessResult r =
      run_process(command, env, req.dump() + "\n", 300, 20,
                  [](const std::string& line) { return !json::parse(line).contains("progress"); });
  EXPECT_TRUE(r.started) << r.start_error;
  std::string last;
  for (size_t at = 0; at < r.stdout_text.size();) {
    const size_t end = r.stdout_text.find('\n', at);
    const std::string line = r.stdout_text.substr(at, end - at);
    if (!line.empty() && !json::parse(line).contains("progress")) last = line;
    at = end == std::string::npos ? r.stdout_text.size() : end + 1;
  }
  if (last.empty()) {
    ADD_FAILURE() << "no reply; stderr: " << r.stderr_tail;
    return json::object();
  }
  return json::parse(last);
}

struct ReferenceRun {
  std::vector<double> losses;
  double test_loss = 0;
  std::vector<std::vector<double>> params;
};

ReferenceRun run_reference(const json& req, bool biased_running_variance, bool keras_sparse_second_moment) {
  const Network net = parse_network(req["network"]);
  const int64_t kBatch = req["batch"], kSteps = req["max_steps"];
  const int64_t kTrain = req["dataset"]["train"], kTest = req["dataset"]["test"];
  const Dataset data = generated_dataset(net, kSeed, kTrain, kTest);
  Reference ref(net, initial_parameters(net, kSeed), req["optimizer"].get<OptimizerSpec>());
  ref.biased_running_variance_ = biased_running_variance;
  ref.keras_sparse_second_moment_ = keras_sparse_second_moment;
  ReferenceRun out;
  std::vector<float> labels;
  const int64_t per_epoch = kTrain / kBatch;
  for (int64_t epoch = 1, step = 0; step < kSteps; ++epoch) {
    const std::vector<int64_t> order = epoch_order(kTrain, kSeed, epoch);
    for (int64_t s = 0; s < per_epoch && step < kSteps; ++s, ++step) {
      const auto begin = static_cast<size_t>(s * kBatch);
      const HostTensor x = gather_batch(data.train, order, begin, begin + kBatch, labels);
      out.losses.push_back(ref.train_step(x, labels));
    }
  }
  std::vector<int64_t> all(kTest);
  for (int64_t i = 0; i < kTest; ++i) all[static_cast<size_t>(i)] = i;
  const HostTensor x = gather_batch(data.test, all, 0, kTest, labels);
  out.test_loss = ref.eval_loss(x, labels);
  out.params = ref.params();
  return out;
}

double relative(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-3); }

// Trains `network` in the worker and the reference; per-step losses within `tolerance` relative.
// `unchecked`: parameters (by name suffix, e.g. ".bk") whose final values are not compared, with the
// reason at the call.
void expect_parity_of(const std::string& backend, json req, bool must_learn, double tolerance, double parameter_tolerance,
                      const std::vector<std::string>& unchecked = {});

void expect_parity(const std::string& backend, const json& network, const json& optimizer, bool must_learn = true,
                   int64_t steps = kSteps, double tolerance = 1e-3, double parameter_tolerance = 1e-3) {
  json req = request(network, optimizer);
  req["max_steps"] = steps;
  expect_parity_of(backend, req, must_learn, tolerance, parameter_tolerance);
}

// The worker's training run of `req` against the float64 reference trainer's: every step's loss,
// the test loss after the last step, and the final parameters.
void expect_parity_of(const std::string& backend, json req, bool must_learn, double tolerance, double parameter_tolerance,
                      const std::vector<std::string>& unchecked) {
  const std::string framework = backend.substr(0, backend.find(':'));
  if (!testing::worker_built(framework)) {
    if (std::getenv("VERSUS_REQUIRE_ALL_WORKERS")) FAIL() << "worker " << framework << " was not built";
    GTEST_SKIP() << "versus-worker-" << framework << " is not built";
  }
  const json got = run_worker(backend, req);
  ASSERT_EQ(got.value("status", ""), "ok") << got.dump().substr(0, 2000);
  // MXNet's BatchNorm and Keras's BatchNormalization keep the biased batch variance as running variance.
  const bool keras = backend.rfind("tensorflow:keras", 0) == 0;
  const bool biased = framework == "mxnet" || keras;
  const ReferenceRun want = run_reference(req, biased, keras);
  const auto losses = got["step_losses"].get<std::vector<double>>();
  ASSERT_EQ(losses.size(), want.losses.size());
  double worst_loss = 0;
  for (size_t i = 0; i < losses.size(); ++i) {
    worst_loss = std::max(worst_loss, relative(losses[i], want.losses[i]));
    EXPECT_LT(relative(losses[i], want.losses[i]), tolerance)
        << "step " << i + 1 << ": " << backend << " " << losses[i] << ", float64 reference " << want.losses[i];
  }
  std::printf("losses %.6f -> %.6f over %zu steps; largest relative difference from float64: %.2e\n",
              want.losses.front(), want.losses.back(), losses.size(), worst_loss);
  if (must_learn) {
    EXPECT_LT(want.losses.back(), want.losses.front()) << "the reference itself should learn";
  }
  // Inference (predict, batch-norm on running statistics) after the last step.
  EXPECT_LT(relative(got["epochs"].back()["test_loss"].get<double>(), want.test_loss), tolerance);
  // Final parameters, read back in the neutral layout.
  const json& params = got["final_parameters"];
  ASSERT_EQ(params.size(), want.params.size());
  for (size_t p = 0; p < params.size(); ++p) {
    const std::string name = params[p].value("name", "");
    if (std::any_of(unchecked.begin(), unchecked.end(), [&](const std::string& suffix) { return name.ends_with(suffix); }))
      continue;
    const auto v = params[p]["data"].get<std::vector<double>>();
    ASSERT_EQ(v.size(), want.params[p].size()) << params[p]["name"];
    double worst = 0, scale = 1e-3;
    for (size_t i = 0; i < v.size(); ++i) {
      worst = std::max(worst, std::abs(v[i] - want.params[p][i]));
      scale = std::max(scale, std::abs(want.params[p][i]));
    }
    EXPECT_LT(worst / scale, parameter_tolerance) << params[p]["name"];
  }
}

const json kSgd = {{"kind", "sgd"}, {"learning_rate", 0.1}};
const json kMomentum = {{"kind", "momentum"}, {"learning_rate", 0.05}, {"momentum", 0.9}};
const json kAdam = {{"kind", "adam"}, {"learning_rate", 0.01}};

const json kMlp = json::parse(R"({
  "name": "tiny_mlp", "input": {"kind": "image", "shape": [1, 5, 5]}, "classes": 4,
  "loss": "softmax_cross_entropy",
  "layers": [{"type": "flatten"}, {"type": "dense", "units": 12, "name": "hidden layer #1"}, {"type": "relu"},
             {"type": "dense", "units": 8}, {"type": "tanh"}, {"type": "dense", "units": 6},
             {"type": "sigmoid"}, {"type": "dense", "units": 4}]})");

// 'SAME'-equivalent padding, explicit Pad, max pooling with explicit padding, average pooling,
// flatten of a multi-channel map (C·H·W order). The residual net has the stride-2 explicit Pad.
const json kConv = json::parse(R"({
  "name": "tiny_conv", "input": {"kind": "image", "shape": [2, 10, 10]}, "classes": 3,
  "loss": "softmax_cross_entropy",
  "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1}, {"type": "relu"},
             {"type": "max_pool", "kernel": 3, "stride": 2, "padding": 1},
             {"type": "conv2d", "filters": 5, "kernel": 4, "padding": 1}, {"type": "tanh"},
             {"type": "conv2d", "filters": 6, "kernel": 1}, {"type": "relu"},
             {"type": "avg_pool", "kernel": 2, "stride": 1},
             {"type": "flatten"}, {"type": "dense", "units": 3}]})");

const json kResidual = json::parse(R"({
  "name": "tiny_resnet", "input": {"kind": "image", "shape": [3, 6, 6]}, "classes": 3,
  "loss": "softmax_cross_entropy",
  "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1}, {"type": "batch_norm"}, {"type": "relu"},
             {"type": "residual", "body": [{"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1},
                                           {"type": "batch_norm"}, {"type": "relu"},
                                           {"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1},
                                           {"type": "batch_norm"}]},
             {"type": "relu"},
             {"type": "residual", "body": [{"type": "conv2d", "filters": 6, "kernel": 3, "padding": 1, "stride": 2},
                                           {"type": "batch_norm"}],
                                  "shortcut": [{"type": "conv2d", "filters": 6, "kernel": 1, "stride": 2},
                                               {"type": "batch_norm"}]},
             {"type": "relu"}, {"type": "avg_pool", "kernel": 3}, {"type": "flatten"},
             {"type": "dense", "units": 8}, {"type": "batch_norm", "momentum": 0.8}, {"type": "relu"},
             {"type": "dense", "units": 3}]})");

// A batch norm over a flattened image: its γ and β are per flattened feature, which TensorFlow
// (fed NHWC, flattening H·W·C) must hold reordered; the final parameters are compared too.
const json kFlatBatchNorm = json::parse(R"({
  "name": "tiny_flat_bn", "input": {"kind": "image", "shape": [2, 4, 5]}, "classes": 3,
  "loss": "softmax_cross_entropy",
  "layers": [{"type": "conv2d", "filters": 3, "kernel": 3, "padding": 1}, {"type": "relu"}, {"type": "flatten"},
             {"type": "batch_norm"}, {"type": "relu"}, {"type": "dense", "units": 3}]})");

const json kLstm = json::parse(R"({
  "name": "tiny_lstm", "input": {"kind": "tokens", "shape": [7], "vocab": 11},
  "loss": "sigmoid_cross_entropy",
  "layers": [{"type": "embedding", "dim": 5}, {"type": "lstm", "hidden": 6}, {"type": "dense", "units": 1}]})");

// A pre-norm encoder block (#21): learned positions, self-attention over 2 heads with padding keys
// (id 0) masked, a GELU feed-forward, layer norms, residuals, and the masked mean over time.
const json kTransformer = json::parse(R"({
  "name": "tiny_transformer", "input": {"kind": "tokens", "shape": [7], "vocab": 11},
  "loss": "sigmoid_cross_entropy",
  "layers": [{"type": "embedding", "dim": 8}, {"type": "positional_embedding"},
             {"type": "residual", "body": [{"type": "layer_norm"}, {"type": "multi_head_attention", "heads": 2}]},
             {"type": "residual", "body": [{"type": "layer_norm"}, {"type": "dense", "units": 16}, {"type": "gelu"},
                                           {"type": "dense", "units": 8}]},
             {"type": "layer_norm"}, {"type": "mean_pool"}, {"type": "dense", "units": 1}]})");

// Every framework against the same float64 trainer: per-step losses, the test loss through
// predict (batch-norm on running statistics) and the final parameters, within 1e-3.
class ModelReference : public ::testing::TestWithParam<std::string> {};
TEST_P(ModelReference, MlpWithSgd) { expect_parity(GetParam(), kMlp, kSgd); }
TEST_P(ModelReference, MlpWithMomentum) { expect_parity(GetParam(), kMlp, kMomentum); }
TEST_P(ModelReference, MlpWithAdam) { expect_parity(GetParam(), kMlp, kAdam); }
TEST_P(ModelReference, ConvNetWithSgd) { expect_parity(GetParam(), kConv, kSgd); }
TEST_P(ModelReference, ConvNetWithMomentum) { expect_parity(GetParam(), kConv, kMomentum); }
TEST_P(ModelReference, BatchNormResidualNet) { expect_parity(GetParam(), kResidual, kSgd); }
TEST_P(ModelReference, BatchNormOverAFlattenedImage) { expect_parity(GetParam(), kFlatBatchNorm, kMomentum); }
TEST_P(ModelReference, EmbeddingLstmWithSgd) { expect_parity(GetParam(), kLstm, kSgd); }
TEST_P(ModelReference, EmbeddingLstmWithAdam) { expect_parity(GetParam(), kLstm, kAdam); }
INSTANTIATE_TEST_SUITE_P(Frameworks, ModelReference, ::testing::Values("tensorflow", "mxnet", "torch"),
                         [](const auto& info) { return info.param; });

// The Python tier: each frontend's default mode, and Gluon hybridized, against the same float64
// trainer (the C++ tier passes the same tests above, so the tiers agree with each other too).
// Keras's LSTM has one bias vector where the network's has two: that one is unsupported, below.
std::string mode_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}
class PythonTierReference : public ::testing::TestWithParam<std::string> {};
TEST_P(PythonTierReference, MlpWithSgd) { expect_parity(GetParam(), kMlp, kSgd); }
TEST_P(PythonTierReference, MlpWithMomentum) { expect_parity(GetParam(), kMlp, kMomentum); }
// torch.optim.Adam adds ε to the bias-corrected √v̂, the network's Adam (TF's, MXNet's) to √v: the
// losses agree within 1e-3, while weights whose gradients are near ε's scale move differently (1 %
// here), which the looser parameter tolerance admits for torch:python only.
TEST_P(PythonTierReference, MlpWithAdam) {
  expect_parity(GetParam(), kMlp, kAdam, true, kSteps, 1e-3, GetParam() == "torch:python" ? 3e-2 : 1e-3);
}
TEST_P(PythonTierReference, ConvNetWithMomentum) { expect_parity(GetParam(), kConv, kMomentum); }
TEST_P(PythonTierReference, BatchNormResidualNet) { expect_parity(GetParam(), kResidual, kSgd); }
TEST_P(PythonTierReference, BatchNormOverAFlattenedImage) { expect_parity(GetParam(), kFlatBatchNorm, kMomentum); }
INSTANTIATE_TEST_SUITE_P(Frontends, PythonTierReference,
                         ::testing::Values("tensorflow:keras", "mxnet:gluon", "mxnet:gluon-hybridized", "torch:python"),
                         mode_test_name);

class PythonTierRecurrentReference : public ::testing::TestWithParam<std::string> {};
TEST_P(PythonTierRecurrentReference, EmbeddingLstmWithSgd) { expect_parity(GetParam(), kLstm, kSgd); }
INSTANTIATE_TEST_SUITE_P(Frontends, PythonTierRecurrentReference,
                         ::testing::Values("mxnet:gluon", "mxnet:gluon-hybridized", "torch:python"), mode_test_name);

// The other modes run the same builders; one network each shows their execution path computes it.
TEST(PythonTierModes, KerasEagerAndXlaAndTorchCompileComputeTheSameConvNet) {
  for (const char* mode : {"tensorflow:keras-eager", "tensorflow:keras-xla", "torch:compile"}) {
    SCOPED_TRACE(mode);
    expect_parity(mode, kConv, kMomentum);
  }
}

TEST(PythonTierModes, KerasSaysWhyItCannotBuildTheTwoBiasLstm) {
  if (!testing::worker_built("tensorflow")) GTEST_SKIP() << "versus-worker-tensorflow is not built";
  const json got = run_worker("tensorflow:keras", request(kLstm, kSgd));
  EXPECT_EQ(got.value("status", ""), "unsupported") << got.dump().substr(0, 500);
  EXPECT_NE(got.value("reason", "").find("one bias vector"), std::string::npos) << got.dump().substr(0, 500);
}

// Every shipped network in every framework against the float64 reference, reduced to fit CI: two
// plain-SGD steps at batch 2 (the networks' own shapes, layers and initialisation; the full form
// below trains 20 steps at batch 8). Left out: paper_vgg and resnet50, whose float64 reference
// alone takes minutes per framework here (177 s and over 300 s on this 2-core machine): the
// opt-in form below covers them.
std::vector<std::string> networks_for_ci() {
  std::vector<std::string> out;
  for (const auto& name : available_networks())
    if (name != "paper_vgg" && name != "resnet50") out.push_back(name);
  return out;
}

class ShippedNetworkReduced : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(ShippedNetworkReduced, MatchesFloat64Reference) {
  const auto& [name, backend] = GetParam();
  json req = request(load_network(name).source_json, {{"kind", "sgd"}, {"learning_rate", 0.01}});
  req["batch"] = 2;
  req["max_steps"] = 2;
  req["dataset"]["train"] = 4;
  req["dataset"]["test"] = 2;
  // Final parameters within 2 %: after two steps at batch 2, ResNet-20's batch-norm betas are
  // differences of large, nearly cancelling gradient sums, which float32 gets to about 1 % of
  // float64 (1.7 % at most, measured) in all three frameworks alike; losses stay within 1e-3.
  expect_parity_of(backend, req, /*must_learn=*/false, 1e-3, 2e-2);
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedNetworkReduced,
                         ::testing::Combine(::testing::ValuesIn(networks_for_ci()),
                                            ::testing::Values("tensorflow", "mxnet", "torch")),
                         [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

// Opt-in (minutes in float64): VERSUS_TEST_NETWORKS=lenet,mlp VERSUS_TEST_BACKEND=mxnet.
TEST(ModelReferenceShipped, ShippedNetworksMatchFloat64Reference) {
  const char* names = std::getenv("VERSUS_TEST_NETWORKS");  // e.g. "lenet,mlp,imdb_lstm"
  const char* backend = std::getenv("VERSUS_TEST_BACKEND");
  if (!names) GTEST_SKIP() << "set VERSUS_TEST_NETWORKS=name,name to train networks/*.json";
  std::string list = names;
  for (size_t at = 0; at < list.size();) {
    const size_t end = std::min(list.find(',', at), list.size());
    const std::string name = list.substr(at, end - at);
    at = end + 1;
    SCOPED_TRACE(name);
    std::printf("%s: ", name.c_str());
    expect_parity(backend ? backend : "tensorflow", load_network(name).source_json, {{"kind", "sgd"}, {"learning_rate", 0.01}},
                  /*must_learn=*/false);
  }
}

// The transformer's layers in every framework's C++ tier against the float64 reference.
class TransformerReference : public ::testing::TestWithParam<std::string> {};
TEST_P(TransformerReference, TrainsTheEncoderBlockAsTheFloat64Reference) {
  expect_parity(GetParam(), kTransformer, kSgd);
  expect_parity(GetParam(), kTransformer, kMomentum);
  // Adam: every parameter but the key bias bk, which has an exactly zero gradient (adding a
  // constant to every key's score of a query leaves its softmax unchanged): float64 keeps it at 0
  // while Adam's m/√v scales float32's rounding noise in it up to learning-rate-sized steps.
  expect_parity_of(GetParam(), request(kTransformer, kAdam), /*must_learn=*/true, 1e-3, 1e-3, {".bk"});
}
INSTANTIATE_TEST_SUITE_P(Frameworks, TransformerReference, ::testing::Values("tensorflow", "mxnet", "torch"),
                         [](const auto& info) { return info.param; });

// The Python tier's transformer (Keras MultiHeadAttention with EinsumDense kernels, torch's
// nn.MultiheadAttention with its fused in_proj, Gluon blocks imperative and hybridized) against the
// same float64 trainer; the C++ tier passes the same test above, so the tiers agree too. Under Adam
// the key bias is left out as above; torch.optim.Adam's ε placement (see MlpWithAdam) moves the
// parameters whose gradients are near ε's scale differently, as for the MLP.
class PythonTierTransformer : public ::testing::TestWithParam<std::string> {};
TEST_P(PythonTierTransformer, TrainsTheEncoderBlockAsTheFloat64Reference) {
  expect_parity(GetParam(), kTransformer, kSgd);
  expect_parity_of(GetParam(), request(kTransformer, kAdam), /*must_learn=*/true, 1e-3,
                   GetParam() == "torch:python" ? 3e-2 : 1e-3, {".bk"});
}
INSTANTIATE_TEST_SUITE_P(Frontends, PythonTierTransformer,
                         ::testing::Values("tensorflow:keras", "mxnet:gluon", "mxnet:gluon-hybridized", "torch:python"),
                         mode_test_name);

// The other modes compile or run eagerly what the same builders make: the encoder block once each.
TEST(PythonTierModes, KerasEagerAndXlaAndTorchCompileComputeTheTransformer) {
  for (const char* mode : {"tensorflow:keras-eager", "tensorflow:keras-xla", "torch:compile"}) {
    SCOPED_TRACE(mode);
    expect_parity(mode, kTransformer, kSgd);
  }
}

TEST(TensorflowModel, UnsupportedLayerIsReportedNotFaked) {
  if (!testing::worker_built("tensorflow")) GTEST_SKIP() << "versus-worker-tensorflow is not built";
  // Average pooling whose symmetric padding 'SAME' cannot express.
  json net = json::parse(R"({
    "name": "odd_pool", "input": {"kind": "image", "shape": [1, 4, 4]}, "classes": 2,
    "loss": "softmax_cross_entropy",
    "layers": [{"type": "avg_pool", "kernel": 3, "stride": 2, "padding": 1}, {"type": "flatten"},
               {"type": "dense", "units": 2}]})");
  const json got = run_worker("tensorflow", request(net, kSgd));
  EXPECT_EQ(got.value("status", ""), "unsupported") << got.dump().substr(0, 500);
  EXPECT_NE(got.value("reason", "").find("avg_pool"), std::string::npos) << got.dump().substr(0, 500);
}

}  // namespace
}  // namespace versus
