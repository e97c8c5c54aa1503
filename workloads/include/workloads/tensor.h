// A small dense tensor for the reference executor: int8 activations/weights
// with a zero point, or int32 accumulators. Layout is NCHW, row-major, and the
// reference executor only uses batch N = 1. Written for clarity, not speed.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace wl {

struct Shape {
    int64_t n = 1, c = 1, h = 1, w = 1;

    int64_t size() const { return n * c * h * w; }
    bool operator==(const Shape& o) const { return n == o.n && c == o.c && h == o.h && w == o.w; }
    bool operator!=(const Shape& o) const { return !(*this == o); }
    std::string str() const;
};

template <typename T>
struct Tensor {
    Shape shape;
    int32_t zero_point = 0;  // meaningful for int8 data; 0 for int32 accumulators
    std::vector<T> data;

    Tensor() = default;
    explicit Tensor(Shape s, int32_t zp = 0, T fill = T{})
        : shape(s), zero_point(zp), data(static_cast<size_t>(s.size()), fill) {}
    Tensor(Shape s, int32_t zp, std::vector<T> values)
        : shape(s), zero_point(zp), data(std::move(values)) {
        if (static_cast<int64_t>(data.size()) != shape.size())
            throw std::invalid_argument("tensor: " + std::to_string(data.size()) +
                                        " values for shape " + shape.str());
    }

    int64_t index(int64_t n, int64_t c, int64_t h, int64_t w) const {
        return ((n * shape.c + c) * shape.h + h) * shape.w + w;
    }
    // Batch-1 accessors (the reference executor's ops all use N = 1).
    T& at(int64_t c, int64_t h, int64_t w) { return data[static_cast<size_t>(index(0, c, h, w))]; }
    const T& at(int64_t c, int64_t h, int64_t w) const {
        return data[static_cast<size_t>(index(0, c, h, w))];
    }
    T& at(int64_t n, int64_t c, int64_t h, int64_t w) {
        return data[static_cast<size_t>(index(n, c, h, w))];
    }
    const T& at(int64_t n, int64_t c, int64_t h, int64_t w) const {
        return data[static_cast<size_t>(index(n, c, h, w))];
    }
};

using Tensor8 = Tensor<int8_t>;
using Tensor32 = Tensor<int32_t>;

inline std::string Shape::str() const {
    return "[" + std::to_string(n) + "," + std::to_string(c) + "," + std::to_string(h) + "," +
           std::to_string(w) + "]";
}

}  // namespace wl
