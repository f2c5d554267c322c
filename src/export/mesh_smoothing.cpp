#include "export/mesh_smoothing.h"

#include <algorithm>

#include "core/parallel.h"

namespace viscera {
namespace {

// Neighbours of each vertex (compressed rows), from the triangles' edges.
struct Adjacency {
  std::vector<int64_t> first;  // size vertices + 1
  std::vector<uint32_t> neighbours;
};

Adjacency BuildAdjacency(size_t vertex_count,
                         const std::vector<std::array<uint32_t, 3>>& triangles) {
  Adjacency adj;
  std::vector<int64_t> degree(vertex_count + 1, 0);
  for (const auto& t : triangles) {
    for (uint32_t v : t) degree[v + 1] += 2;
  }
  for (size_t v = 0; v < vertex_count; ++v) degree[v + 1] += degree[v];
  std::vector<uint32_t> all(static_cast<size_t>(degree.back()));
  std::vector<int64_t> fill(degree.begin(), degree.end() - 1);
  for (const auto& t : triangles) {
    for (int e = 0; e < 3; ++e) {
      const uint32_t a = t[e], b = t[(e + 1) % 3];
      all[static_cast<size_t>(fill[a]++)] = b;
      all[static_cast<size_t>(fill[b]++)] = a;
    }
  }
  // Every edge of a closed mesh is listed by both of its triangles: keep each neighbour once.
  std::vector<int64_t> unique_count(vertex_count, 0);
  ParallelFor(0, static_cast<int64_t>(vertex_count), [&](int64_t v) {
    auto begin = all.begin() + degree[static_cast<size_t>(v)];
    auto end = all.begin() + degree[static_cast<size_t>(v) + 1];
    std::sort(begin, end);
    unique_count[static_cast<size_t>(v)] = std::unique(begin, end) - begin;
  });
  adj.first.assign(vertex_count + 1, 0);
  for (size_t v = 0; v < vertex_count; ++v) adj.first[v + 1] = adj.first[v] + unique_count[v];
  adj.neighbours.resize(static_cast<size_t>(adj.first.back()));
  ParallelFor(0, static_cast<int64_t>(vertex_count), [&](int64_t v) {
    const auto src = all.begin() + degree[static_cast<size_t>(v)];
    std::copy(src, src + unique_count[static_cast<size_t>(v)],
              adj.neighbours.begin() + adj.first[static_cast<size_t>(v)]);
  });
  return adj;
}

void UmbrellaStep(const Adjacency& adj, const std::vector<Vec3>& in, std::vector<Vec3>& out,
                  double factor) {
  ParallelFor(0, static_cast<int64_t>(in.size()), [&](int64_t v) {
    const auto vi = static_cast<size_t>(v);
    const int64_t begin = adj.first[vi], end = adj.first[vi + 1];
    if (begin == end) {
      out[vi] = in[vi];
      return;
    }
    Vec3 mean{0, 0, 0};
    for (int64_t n = begin; n < end; ++n) {
      const Vec3& p = in[adj.neighbours[static_cast<size_t>(n)]];
      mean[0] += p[0];
      mean[1] += p[1];
      mean[2] += p[2];
    }
    const double inv = 1.0 / static_cast<double>(end - begin);
    for (int a = 0; a < 3; ++a) out[vi][a] = in[vi][a] + factor * (mean[a] * inv - in[vi][a]);
  });
}

}  // namespace

void TaubinSmooth(std::vector<Vec3>& vertices,
                  const std::vector<std::array<uint32_t, 3>>& triangles,
                  const TaubinParameters& parameters) {
  if (parameters.iterations <= 0 || vertices.empty()) return;
  const Adjacency adj = BuildAdjacency(vertices.size(), triangles);
  std::vector<Vec3> scratch(vertices.size());
  for (int it = 0; it < parameters.iterations; ++it) {
    UmbrellaStep(adj, vertices, scratch, parameters.lambda);
    UmbrellaStep(adj, scratch, vertices, parameters.mu);
  }
}

}  // namespace viscera
