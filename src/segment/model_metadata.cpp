#include "segment/model_metadata.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/geometry.h"
#include "io/atomic_file.h"

namespace viscera {
namespace {

using Json = nlohmann::json;

// Field access that reports "<file>: field 'inference.roi' must be ..., got ...".
class Fields {
 public:
  explicit Fields(const std::filesystem::path& source) : source_(source.string()) {}

  Error Bad(const std::string& field, const std::string& want, const Json& got) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     source_ + ": field '" + field + "' must be " + want + ", got " + got.dump());
  }
  Error Missing(const std::string& field) const {
    return MakeError(ErrorCode::kInvalidArgument, source_ + ": missing field '" + field + "'");
  }

  Expected<double> Number(const Json& obj, const std::string& key, const std::string& path,
                          double lo, double hi, std::optional<double> fallback) const {
    if (!obj.contains(key)) {
      if (fallback) return *fallback;
      return Missing(path);
    }
    const Json& v = obj.at(key);
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo ||
        v.get<double>() > hi) {
      return Bad(path, "a number in [" + Num(lo) + ", " + Num(hi) + "]", v);
    }
    return v.get<double>();
  }

  Expected<int64_t> Integer(const Json& obj, const std::string& key, const std::string& path,
                            int64_t lo, int64_t hi, std::optional<int64_t> fallback) const {
    if (!obj.contains(key)) {
      if (fallback) return *fallback;
      return Missing(path);
    }
    const Json& v = obj.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
      return Bad(path, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", v);
    }
    return v.get<int64_t>();
  }

  Expected<std::string> String(const Json& obj, const std::string& key, const std::string& path,
                               std::optional<std::string> fallback) const {
    if (!obj.contains(key)) {
      if (fallback) return *fallback;
      return Missing(path);
    }
    const Json& v = obj.at(key);
    if (!v.is_string()) return Bad(path, "a string", v);
    return v.get<std::string>();
  }

  Expected<const Json*> Object(const Json& obj, const std::string& key,
                               const std::string& path) const {
    if (!obj.contains(key)) return Missing(path);
    if (!obj.at(key).is_object()) return Bad(path, "an object", obj.at(key));
    return &obj.at(key);
  }

 private:
  static std::string Num(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  std::string source_;
};

Expected<LabelEntry> ParseLabel(const Fields& f, const Json& item, const std::string& path) {
  if (!item.is_object()) return f.Bad(path, "an object", item);
  LabelEntry e;
  VISCERA_ASSIGN_OR_RETURN(int64_t id, f.Integer(item, "id", path + ".id", 1, 65535, {}));
  e.id = static_cast<uint16_t>(id);
  VISCERA_ASSIGN_OR_RETURN(e.name, f.String(item, "name", path + ".name", {}));
  if (e.name.empty() || e.name.size() > 64) return f.Bad(path + ".name", "1-64 characters", item);
  if (item.contains("color")) {
    const Json& c = item.at("color");
    if (!c.is_array() || c.size() != 3) {
      return f.Bad(path + ".color", "[r, g, b] with 0..255", c);
    }
    for (int n = 0; n < 3; ++n) {
      if (!c[n].is_number_integer() || c[n].get<int>() < 0 || c[n].get<int>() > 255) {
        return f.Bad(path + ".color", "[r, g, b] with 0..255", c);
      }
      e.color[n] = static_cast<uint8_t>(c[n].get<int>());
    }
  }
  auto concept_of = [&](const Json& code, const std::string& where) -> Expected<CodedConcept> {
    if (!code.is_object()) return f.Bad(where, "an object", code);
    CodedConcept c;
    VISCERA_ASSIGN_OR_RETURN(c.value, f.String(code, "value", where + ".value", {}));
    VISCERA_ASSIGN_OR_RETURN(c.scheme, f.String(code, "scheme", where + ".scheme", "SCT"));
    VISCERA_ASSIGN_OR_RETURN(c.meaning, f.String(code, "meaning", where + ".meaning", e.name));
    return c;
  };
  if (item.contains("code")) {
    VISCERA_ASSIGN_OR_RETURN(CodedConcept type, concept_of(item.at("code"), path + ".code"));
    e.type = type;
  }
  if (item.contains("category")) {
    VISCERA_ASSIGN_OR_RETURN(CodedConcept cat, concept_of(item.at("category"), path + ".category"));
    e.category = cat;
  } else {
    e.category = CodedConcept{"123037004", "SCT", "Anatomical Structure"};
  }
  return e;
}

Expected<std::array<int64_t, 3>> IntTriple(const Fields& f, const Json& obj, const std::string& key,
                                           const std::string& path, int64_t lo, int64_t hi) {
  if (!obj.contains(key)) return f.Missing(path);
  const Json& v = obj.at(key);
  std::array<int64_t, 3> out{};
  if (!v.is_array() || v.size() != 3) return f.Bad(path, "three integers", v);
  for (int n = 0; n < 3; ++n) {
    if (!v[n].is_number_integer() || v[n].get<int64_t>() < lo || v[n].get<int64_t>() > hi) {
      return f.Bad(path,
                   "three integers in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", v);
    }
    out[n] = v[n].get<int64_t>();
  }
  return out;
}

}  // namespace

std::string ModelMetadata::Describe() const {
  return version.empty() ? name : name + " " + version;
}

Expected<ModelMetadata> ParseModelMetadata(const std::string& json_text,
                                           const std::filesystem::path& source) {
  Fields f(source);
  Json root = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return MakeError(ErrorCode::kCorruptData, source.string() + ": not valid JSON");
  }
  if (!root.is_object()) return f.Bad("(root)", "an object", Json("..."));
  ModelMetadata m;
  VISCERA_ASSIGN_OR_RETURN(m.name, f.String(root, "name", "name", {}));
  VISCERA_ASSIGN_OR_RETURN(m.version, f.String(root, "version", "version", ""));
  VISCERA_ASSIGN_OR_RETURN(m.description, f.String(root, "description", "description", ""));
  VISCERA_ASSIGN_OR_RETURN(std::string model_file,
                           f.String(root, "model_file", "model_file", "model.ts"));
  if (model_file.empty() || model_file.find('/') != std::string::npos || model_file == "..") {
    return f.Bad("model_file", "a file name inside the model folder", Json(model_file));
  }
  m.model_file = model_file;

  VISCERA_ASSIGN_OR_RETURN(const Json* input, f.Object(root, "input", "input"));
  VISCERA_ASSIGN_OR_RETURN(int64_t in_ch, f.Integer(*input, "channels", "input.channels", 1, 1, 1));
  m.input_channels = static_cast<int>(in_ch);
  VISCERA_ASSIGN_OR_RETURN(m.orientation,
                           f.String(*input, "orientation", "input.orientation", "RAS"));
  if (!ValidateAxisCodes(m.orientation)) {
    return f.Bad("input.orientation", "three axis letters such as RAS", Json(m.orientation));
  }
  if (!input->contains("spacing")) return f.Missing("input.spacing");
  const Json& sp = input->at("spacing");
  if (!sp.is_array() || sp.size() != 3) return f.Bad("input.spacing", "three numbers (mm)", sp);
  for (int n = 0; n < 3; ++n) {
    if (!sp[n].is_number() || !(sp[n].get<double>() >= 0.1 && sp[n].get<double>() <= 20)) {
      return f.Bad("input.spacing", "three numbers in [0.1, 20] mm", sp);
    }
    m.spacing[n] = sp[n].get<double>();
  }
  VISCERA_ASSIGN_OR_RETURN(const Json* win, f.Object(*input, "intensity", "input.intensity"));
  VISCERA_ASSIGN_OR_RETURN(m.window.a_min,
                           f.Number(*win, "a_min", "input.intensity.a_min", -1e5, 1e5, {}));
  VISCERA_ASSIGN_OR_RETURN(m.window.a_max,
                           f.Number(*win, "a_max", "input.intensity.a_max", -1e5, 1e5, {}));
  VISCERA_ASSIGN_OR_RETURN(m.window.b_min,
                           f.Number(*win, "b_min", "input.intensity.b_min", -1e5, 1e5, 0.0));
  VISCERA_ASSIGN_OR_RETURN(m.window.b_max,
                           f.Number(*win, "b_max", "input.intensity.b_max", -1e5, 1e5, 1.0));
  if (!(m.window.a_max > m.window.a_min)) {
    return f.Bad("input.intensity.a_max", "greater than a_min", win->at("a_max"));
  }
  if (win->contains("clip")) {
    if (!win->at("clip").is_boolean()) return f.Bad("input.intensity.clip", "true/false", *win);
    m.window.clip = win->at("clip").get<bool>();
  }
  if (input->contains("crop_foreground")) {
    if (!input->at("crop_foreground").is_boolean()) {
      return f.Bad("input.crop_foreground", "true/false", input->at("crop_foreground"));
    }
    m.crop_foreground = input->at("crop_foreground").get<bool>();
  }

  VISCERA_ASSIGN_OR_RETURN(const Json* inf, f.Object(root, "inference", "inference"));
  VISCERA_ASSIGN_OR_RETURN(m.roi, IntTriple(f, *inf, "roi", "inference.roi", 8, 512));
  VISCERA_ASSIGN_OR_RETURN(m.overlap, f.Number(*inf, "overlap", "inference.overlap", 0, 0.95, 0.5));
  VISCERA_ASSIGN_OR_RETURN(int64_t batch,
                           f.Integer(*inf, "sw_batch", "inference.sw_batch", 1, 64, 4));
  m.sw_batch = static_cast<int>(batch);
  VISCERA_ASSIGN_OR_RETURN(std::string blend,
                           f.String(*inf, "blend", "inference.blend", "constant"));
  if (blend == "constant") {
    m.blend = WindowBlend::kConstant;
  } else if (blend == "gaussian") {
    m.blend = WindowBlend::kGaussian;
  } else {
    return f.Bad("inference.blend", "\"constant\" or \"gaussian\"", Json(blend));
  }

  VISCERA_ASSIGN_OR_RETURN(const Json* out, f.Object(root, "output", "output"));
  VISCERA_ASSIGN_OR_RETURN(int64_t out_ch,
                           f.Integer(*out, "channels", "output.channels", 2, 1024, {}));
  m.output_channels = static_cast<int>(out_ch);
  if (!out->contains("labels") || !out->at("labels").is_array()) {
    return f.Bad("output.labels", "a list of labels", out->value("labels", Json()));
  }
  const Json& labels = out->at("labels");
  for (size_t n = 0; n < labels.size(); ++n) {
    std::string path = "output.labels[" + std::to_string(n) + "]";
    VISCERA_ASSIGN_OR_RETURN(LabelEntry e, ParseLabel(f, labels[n], path));
    if (e.id >= m.output_channels) {
      return f.Bad(path + ".id",
                   "below output.channels (" + std::to_string(m.output_channels) + ")",
                   labels[n].at("id"));
    }
    if (Status added = m.labels.Add(e); !added) {
      return f.Bad(path + ".id", "unique and not 0", labels[n].at("id"));
    }
  }
  if (static_cast<int>(m.labels.entries().size()) != m.output_channels - 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     source.string() + ": output.channels is " + std::to_string(m.output_channels) +
                         " but output.labels names " + std::to_string(m.labels.entries().size()) +
                         " labels (expected channels - 1: one per class besides background)");
  }
  return m;
}

Expected<ModelMetadata> ReadModelMetadata(const std::filesystem::path& folder) {
  std::filesystem::path file = folder / "metadata.json";
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    return MakeError(ErrorCode::kNotFound, folder.string() + ": model folder not found");
  }
  VISCERA_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(file, int64_t{1} << 20));
  VISCERA_ASSIGN_OR_RETURN(ModelMetadata m, ParseModelMetadata(text, file));
  m.folder = folder;
  m.model_file = folder / m.model_file;
  if (!std::filesystem::is_regular_file(m.model_file, ec)) {
    return MakeError(ErrorCode::kNotFound, m.model_file.string() + ": model file named in " +
                                               file.string() + " not found");
  }
  return m;
}

}  // namespace viscera
