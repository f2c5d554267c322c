// Label names from a JSON object {"1": "spleen", "2": "kidney_right", ...}: TotalSegmentator's
// label files and the like.
#pragma once

#include <filesystem>

#include "core/label_map.h"

namespace viscera {

// Errors name the file and the offending key: kNotFound, kCorruptData for malformed JSON, a key
// that is not an id 1..65535 or a value that is not a non-empty string.
Expected<LabelTable> ReadLabelNames(const std::filesystem::path& path);

}  // namespace viscera
