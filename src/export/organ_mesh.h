// Surface meshes of organs from a label map, in patient millimetres (LPS), smoothed without
// shrinking, written as binary STL.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/label_map.h"

namespace viscera {

struct TriangleMesh {
  std::vector<std::array<float, 3>> vertices;  // LPS mm
  // Outward-facing: counter-clockwise seen from outside (right-hand normal points out).
  std::vector<std::array<uint32_t, 3>> triangles;
};

struct MeshOptions {
  int smoothing_iterations = 20;  // Taubin lambda/mu pairs (non-shrinking)
};

// The surface of voxels == id (marching cubes on the label's bounding box, then smoothing):
// closed, every edge shared by two triangles, vertices shared. An id with no voxels gives an empty
// mesh; id 0 (background) or iterations outside [0, 1000] give kInvalidArgument.
Expected<TriangleMesh> ExtractOrganMesh(const Volume<uint16_t>& labels, uint16_t id,
                                        const MeshOptions& options = {});

// Binary STL, atomically (header says "SPACE=LPS" as 3D Slicer writes it), with facet normals.
// An empty mesh or an out-of-range vertex index is refused (kInvalidArgument, naming the path).
Status WriteBinaryStl(const TriangleMesh& mesh, const std::filesystem::path& path);

// meshes/<organ name with spaces as '_'>.stl for every label present in `labels` (creating the
// folder; labels missing from the table are written as label_<id>.stl, absent ones not at all).
Status WriteOrganMeshes(const LabelMap& labels, const std::filesystem::path& folder,
                        const MeshOptions& options = {});

}  // namespace viscera
