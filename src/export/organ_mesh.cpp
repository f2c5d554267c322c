#include "export/organ_mesh.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <string>

#include "core/log.h"
#include "core/parallel.h"
#include "export/marching_cubes.h"
#include "export/mesh_smoothing.h"
#include "io/atomic_file.h"

namespace viscera {
namespace {

static_assert(std::endian::native == std::endian::little,
              "binary STL writer assumes little-endian");

constexpr int kMaxSmoothingIterations = 1000;

Status ValidateOptions(const MeshOptions& options) {
  if (options.smoothing_iterations < 0 || options.smoothing_iterations > kMaxSmoothingIterations) {
    return MakeError(ErrorCode::kInvalidArgument, "smoothing_iterations must be in [0, " +
                                                      std::to_string(kMaxSmoothingIterations) +
                                                      "], got " +
                                                      std::to_string(options.smoothing_iterations));
  }
  return Ok{};
}

// Bounding box of the voxels == id (empty when there are none); parallel over slices.
IndexBox FindBox(const Volume<uint16_t>& labels, uint16_t id) {
  const Index3 n = labels.size();
  std::vector<IndexBox> per_slice(static_cast<size_t>(std::max<int64_t>(n[2], 0)));
  ParallelFor(0, n[2], [&](int64_t k) {
    IndexBox box{{std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max(), k},
                 {-1, -1, k}};
    bool any = false;
    for (int64_t j = 0; j < n[1]; ++j) {
      const uint16_t* row = &labels.at(0, j, k);
      for (int64_t i = 0; i < n[0]; ++i) {
        if (row[i] != id) continue;
        any = true;
        box.lo[0] = std::min(box.lo[0], i);
        box.hi[0] = std::max(box.hi[0], i);
        box.lo[1] = std::min(box.lo[1], j);
        box.hi[1] = std::max(box.hi[1], j);
      }
    }
    per_slice[static_cast<size_t>(k)] = any ? box : IndexBox{};
  });
  IndexBox out;
  bool any = false;
  for (const IndexBox& b : per_slice) {
    if (b.empty()) continue;
    if (!any) {
      out = b;
      any = true;
      continue;
    }
    for (int a = 0; a < 3; ++a) {
      out.lo[a] = std::min(out.lo[a], b.lo[a]);
      out.hi[a] = std::max(out.hi[a], b.hi[a]);
    }
  }
  return out;
}

double Determinant(const Affine& a) {
  const auto& m = a.m;
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

// Marching cubes in the label's box, then to LPS, then smoothing.
TriangleMesh MeshInBox(const Volume<uint16_t>& labels, uint16_t id, const IndexBox& box,
                       const MeshOptions& options) {
  IndexMesh index_mesh = MarchLabel(labels, id, box);
  const Affine to_lps = labels.geometry().IndexToLps();
  ParallelFor(0, static_cast<int64_t>(index_mesh.vertices.size()), [&](int64_t v) {
    Vec3& p = index_mesh.vertices[static_cast<size_t>(v)];
    p = to_lps.Apply(p);
  });
  TaubinParameters taubin;
  taubin.iterations = options.smoothing_iterations;
  TaubinSmooth(index_mesh.vertices, index_mesh.triangles, taubin);

  TriangleMesh mesh;
  mesh.vertices.resize(index_mesh.vertices.size());
  for (size_t v = 0; v < mesh.vertices.size(); ++v) {
    const Vec3& p = index_mesh.vertices[v];
    mesh.vertices[v] = {static_cast<float>(p[0]), static_cast<float>(p[1]),
                        static_cast<float>(p[2])};
  }
  mesh.triangles = std::move(index_mesh.triangles);
  // A mirroring index->LPS map (e.g. a RAS- or LAS-ordered grid) turns outward triangles inward.
  if (Determinant(to_lps) < 0) {
    for (auto& t : mesh.triangles) std::swap(t[1], t[2]);
  }
  return mesh;
}

// "right kidney" -> "right_kidney"; anything but letters, digits, '-', '_' and '.' becomes '_'.
std::string FileStem(const std::string& name) {
  std::string stem;
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
    stem.push_back(keep ? c : '_');
  }
  if (stem.empty() || stem.find_first_not_of('.') == std::string::npos) stem = "label";
  return stem;
}

void PutFloat(std::string& out, size_t& at, float value) {
  std::memcpy(out.data() + at, &value, sizeof value);
  at += sizeof value;
}

}  // namespace

Expected<TriangleMesh> ExtractOrganMesh(const Volume<uint16_t>& labels, uint16_t id,
                                        const MeshOptions& options) {
  VISCERA_RETURN_IF_ERROR(ValidateOptions(options));
  if (id == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "label 0 is background, not an organ");
  }
  return MeshInBox(labels, id, FindBox(labels, id), options);
}

Status WriteBinaryStl(const TriangleMesh& mesh, const std::filesystem::path& path) {
  const std::string what = path.string();
  if (mesh.triangles.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, what + ": mesh has no triangles");
  }
  if (mesh.triangles.size() > std::numeric_limits<uint32_t>::max()) {
    return MakeError(ErrorCode::kTooLarge, what + ": more than 2^32 triangles");
  }
  for (const auto& t : mesh.triangles) {
    for (uint32_t v : t) {
      if (v >= mesh.vertices.size()) {
        return MakeError(ErrorCode::kInvalidArgument, what + ": triangle refers to vertex " +
                                                          std::to_string(v) + " of " +
                                                          std::to_string(mesh.vertices.size()));
      }
    }
  }
  // 80-byte header, uint32 count, then per triangle: normal, 3 vertices (float32), uint16 0.
  // 3D Slicer reads "SPACE=LPS" in the header as "coordinates are LPS" (the STL default it
  // assumes otherwise is RAS), and writes its own STL files the same way.
  std::string bytes(84 + 50 * mesh.triangles.size(), '\0');
  const char kHeader[] = "SPACE=LPS";
  std::memcpy(bytes.data(), kHeader, sizeof kHeader - 1);
  const auto count = static_cast<uint32_t>(mesh.triangles.size());
  std::memcpy(bytes.data() + 80, &count, sizeof count);
  size_t at = 84;
  for (const auto& t : mesh.triangles) {
    const auto& a = mesh.vertices[t[0]];
    const auto& b = mesh.vertices[t[1]];
    const auto& c = mesh.vertices[t[2]];
    const double u[3] = {double(b[0]) - a[0], double(b[1]) - a[1], double(b[2]) - a[2]};
    const double w[3] = {double(c[0]) - a[0], double(c[1]) - a[1], double(c[2]) - a[2]};
    double n[3] = {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]};
    const double length = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    for (double& x : n) x = length > 0 ? x / length : 0.0;
    for (double x : n) PutFloat(bytes, at, static_cast<float>(x));
    for (const auto* p : {&a, &b, &c}) {
      for (float x : *p) PutFloat(bytes, at, x);
    }
    at += 2;  // attribute byte count: 0
  }
  return WriteFileAtomically(path, bytes);
}

Status WriteOrganMeshes(const LabelMap& labels, const std::filesystem::path& folder,
                        const MeshOptions& options) {
  VISCERA_RETURN_IF_ERROR(ValidateOptions(options));
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) {
    return MakeError(ErrorCode::kIoError, folder.string() + ": cannot create: " + ec.message());
  }
  std::set<std::string> used;
  for (const LabelExtent& extent : FindLabelExtents(labels.labels)) {
    const LabelEntry* entry = labels.table.Find(extent.id);
    std::string stem =
        entry != nullptr ? FileStem(entry->name) : "label_" + std::to_string(extent.id);
    if (!used.insert(stem).second) {  // two labels with one name: keep both files
      stem += "_" + std::to_string(extent.id);
      used.insert(stem);
    }
    TriangleMesh mesh = MeshInBox(labels.labels, extent.id, extent.box, options);
    VISCERA_RETURN_IF_ERROR(WriteBinaryStl(mesh, folder / (stem + ".stl")));
    Log(LogLevel::kDebug, "mesh " + stem + ": " + std::to_string(mesh.triangles.size()) +
                              " triangles from " + std::to_string(extent.voxel_count) + " voxels");
  }
  return Ok{};
}

}  // namespace viscera
