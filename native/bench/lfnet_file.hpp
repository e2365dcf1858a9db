// Reads the .lfnet files benchmarks/gpu/export_net.py writes (its docstring has the format): the
// layers of an lf_net chain and the weights they point into.
#pragma once

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "latentfield/lf.h"

struct LfnetFile {
    std::vector<lf_net_layer> layers;
    std::vector<std::vector<float>> store;  // weights and biases, in the order the layers use them
};

inline LfnetFile read_lfnet(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::string line;
    std::getline(in, line);
    if (line != "lfnet 1") throw std::runtime_error(path + ": not an lfnet 1 file");
    LfnetFile f;
    std::vector<std::pair<size_t, size_t>> sizes;  // (weight, bias) floats per layer
    while (std::getline(in, line) && line != "data") {
        std::istringstream s(line);
        std::string kind;
        s >> kind;
        lf_net_layer l{};
        size_t weights = 0, biases = 0;
        if (kind == "layers") {
            continue;
        } else if (kind == "linear") {
            int has_bias = 0;
            l.op = LF_NET_LINEAR;
            s >> l.in >> l.out >> has_bias;
            weights = size_t(l.in) * size_t(l.out);
            biases = has_bias ? size_t(l.out) : 0;
        } else if (kind == "conv") {
            auto& c = l.conv;
            int has_bias = 0;
            l.op = LF_NET_CONV2D;
            s >> c.in_channels >> c.in_height >> c.in_width >> c.out_channels >> c.kernel_h >> c.kernel_w >> c.stride_h >> c.stride_w >>
                c.pad_h >> c.pad_w >> c.output_pad_h >> c.output_pad_w >> c.transposed >> has_bias;
            weights = size_t(c.in_channels) * size_t(c.out_channels) * size_t(c.kernel_h) * size_t(c.kernel_w);
            biases = has_bias ? size_t(c.out_channels) : 0;
        } else if (kind == "act") {
            l.op = LF_NET_ACTIVATION;
            s >> l.in >> l.activation >> l.alpha;
        } else if (kind == "pad") {
            l.op = LF_NET_PAD;
            s >> l.conv.in_channels >> l.conv.in_height >> l.conv.in_width >> l.pad_top >> l.pad_bottom >> l.pad_left >> l.pad_right >>
                l.pad_value;
        } else {
            throw std::runtime_error(path + ": unknown layer line '" + line + "'");
        }
        if (!s) throw std::runtime_error(path + ": cannot read the layer line '" + line + "'");
        f.layers.push_back(l);
        sizes.emplace_back(weights, biases);
    }
    f.store.reserve(2 * sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) {
        for (int part = 0; part < 2; ++part) {
            const size_t n = part == 0 ? sizes[i].first : sizes[i].second;
            if (n == 0) continue;
            f.store.emplace_back(n);
            in.read(reinterpret_cast<char*>(f.store.back().data()), std::streamsize(n * sizeof(float)));
            if (!in) throw std::runtime_error(path + ": the weights end early");
            (part == 0 ? f.layers[i].weight : f.layers[i].bias) = f.store.back().data();
        }
    }
    return f;
}
