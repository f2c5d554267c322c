#include "core/label_map.h"

#include <cmath>

namespace viscera {

Status LabelTable::Add(LabelEntry entry) {
  if (entry.id == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "label id 0 is background and cannot be named");
  }
  if (Find(entry.id) != nullptr) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "label id " + std::to_string(entry.id) + " is already in the table");
  }
  entries_.push_back(std::move(entry));
  return Ok{};
}

const LabelEntry* LabelTable::Find(uint16_t id) const {
  for (const auto& e : entries_) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

const LabelEntry* LabelTable::FindByName(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

Expected<LabelMap> LabelMap::Create(const Geometry& image_geometry, const AnyVolume& labels,
                                    LabelTable table) {
  const Geometry& g = GeometryOf(labels);
  if (!g.SameGrid(image_geometry)) {
    return MakeError(ErrorCode::kInconsistentData,
                     "label map grid differs from the image grid (size, spacing, origin or "
                     "direction)");
  }
  Volume<uint16_t> out(image_geometry);
  auto dst = out.voxels();
  Status status = std::visit(
      [&](const auto& v) -> Status {
        auto src = v.voxels();
        for (size_t n = 0; n < src.size(); ++n) {
          double value = static_cast<double>(src[n]);
          if (!(value >= 0 && value <= 65535 && value == std::floor(value))) {
            return MakeError(ErrorCode::kCorruptData, "label voxel " + std::to_string(n) +
                                                          " has value " + std::to_string(value) +
                                                          ", not an id in 0..65535");
          }
          dst[n] = static_cast<uint16_t>(value);
        }
        return Ok{};
      },
      labels);
  if (!status) return status.error();
  return LabelMap{std::move(out), std::move(table)};
}

std::vector<uint16_t> LabelMap::PresentIds() const {
  std::vector<bool> seen(65536, false);
  for (uint16_t v : labels.voxels()) seen[v] = true;
  std::vector<uint16_t> ids;
  for (size_t id = 1; id < seen.size(); ++id) {
    if (seen[id]) ids.push_back(static_cast<uint16_t>(id));
  }
  return ids;
}

}  // namespace viscera
