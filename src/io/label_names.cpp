#include "io/label_names.h"

#include <nlohmann/json.hpp>

#include <charconv>

#include "io/atomic_file.h"

namespace viscera {

Expected<LabelTable> ReadLabelNames(const std::filesystem::path& path) {
  constexpr int64_t kMaxBytes = 4 << 20;
  VISCERA_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, kMaxBytes));
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string where = path.string() + ": ";
  if (!doc.is_object()) {
    return MakeError(ErrorCode::kCorruptData, where + "expected a JSON object of label id -> name");
  }
  LabelTable table;
  for (const auto& [key, value] : doc.items()) {
    int id = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (ec != std::errc{} || end != key.data() + key.size() || id < 1 || id > 65535) {
      return MakeError(ErrorCode::kCorruptData,
                       where + "key \"" + key + "\" is not a label id 1..65535");
    }
    if (!value.is_string() || value.get<std::string>().empty()) {
      return MakeError(ErrorCode::kCorruptData,
                       where + "label " + key + ": the name must be a non-empty string");
    }
    LabelEntry entry;
    entry.id = static_cast<uint16_t>(id);
    entry.name = value.get<std::string>();
    VISCERA_RETURN_IF_ERROR(table.Add(std::move(entry)));
  }
  return table;
}

}  // namespace viscera
