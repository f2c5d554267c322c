// Organ label maps: integer labels on the image's grid, plus the table saying what each id is.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/volume.h"

namespace viscera {

// A coded concept (DICOM code sequence item), e.g. SNOMED CT 10200004 "Liver".
struct CodedConcept {
  std::string value;    // CodeValue
  std::string scheme;   // CodingSchemeDesignator, e.g. "SCT"
  std::string meaning;  // CodeMeaning
};

struct LabelEntry {
  uint16_t id = 0;
  std::string name;                       // e.g. "liver"
  std::array<uint8_t, 3> color{0, 0, 0};  // display RGB
  std::optional<CodedConcept> category;   // e.g. SCT 123037004 "Anatomical Structure"
  std::optional<CodedConcept> type;       // e.g. SCT 10200004 "Liver"
};

class LabelTable {
 public:
  // Fails if the id is 0 (background) or already present.
  Status Add(LabelEntry entry);
  const LabelEntry* Find(uint16_t id) const;
  const LabelEntry* FindByName(const std::string& name) const;
  const std::vector<LabelEntry>& entries() const { return entries_; }

 private:
  std::vector<LabelEntry> entries_;
};

// Label ids on exactly the image's grid.
struct LabelMap {
  Volume<uint16_t> labels;
  LabelTable table;

  // Wraps label voxels of any integer type; fails if the grid differs from the image's or a
  // voxel is negative / not an integer / over 65535.
  static Expected<LabelMap> Create(const Geometry& image_geometry, const AnyVolume& labels,
                                   LabelTable table);
  // Ids present in the voxels (excluding 0), ascending.
  std::vector<uint16_t> PresentIds() const;
};

}  // namespace viscera
