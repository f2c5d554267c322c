#include "io/dicom/series_selector.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

namespace viscera {
namespace {
using nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool ParseNumber(const std::string& text, double* out) {
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && std::isfinite(*out);
}

using Condition = SeriesSelector::Condition;

Expected<Condition> ParseCondition(const std::string& keyword, const json& rule,
                                   const std::string& source) {
  Condition c;
  c.keyword = keyword;
  if (rule.is_null() || (rule.is_string() && rule.get<std::string>().empty())) return c;
  if (rule.is_string()) {
    c.kind = Condition::Kind::kText;
    c.text = rule.get<std::string>();
    c.negate = c.text[0] == '!';
    if (c.negate) c.text = c.text.substr(1);
    if (c.text.rfind("(?i)", 0) == 0) c.text = c.text.substr(4);  // we always ignore case
    try {
      c.regex =
          std::make_shared<const std::regex>(c.text, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& e) {
      return MakeError(ErrorCode::kInvalidArgument, source + ": selection rule for " + keyword +
                                                        ": invalid regex '" + c.text +
                                                        "': " + e.what());
    }
    return c;
  }
  if (rule.is_number()) {
    c.kind = Condition::Kind::kNumber;
    c.number = rule.get<double>();
    return c;
  }
  if (rule.is_array() && rule.size() == 2 &&
      std::all_of(rule.begin(), rule.end(),
                  [](const json& j) { return j.is_number() || j.is_null(); })) {
    c.kind = Condition::Kind::kRange;
    if (!rule[0].is_null()) c.low = rule[0].get<double>();
    if (!rule[1].is_null()) c.high = rule[1].get<double>();
    return c;
  }
  if (rule.is_array()) {
    c.kind = Condition::Kind::kValues;
    for (const json& item : rule) {
      std::string want = Lower(item.is_string() ? item.get<std::string>() : item.dump());
      const bool negate = !want.empty() && want[0] == '!';
      c.values.emplace_back(negate ? want.substr(1) : want, negate);
    }
    return c;
  }
  return MakeError(ErrorCode::kInvalidArgument, source + ": selection rule for " + keyword +
                                                    ": unsupported value " + rule.dump());
}

bool Matches(const Condition& c, const std::vector<std::string>& values) {
  double value = 0;
  const bool numeric = values.size() == 1 && ParseNumber(values[0], &value);
  switch (c.kind) {
    case Condition::Kind::kAlways:
      return true;
    case Condition::Kind::kText: {
      bool matched = false;
      if (!values.empty()) {
        std::string joined = values[0];
        for (size_t n = 1; n < values.size(); ++n) joined += "\\" + values[n];
        matched = Lower(joined) == Lower(c.text) || std::regex_search(joined, *c.regex);
      }
      return matched != c.negate;
    }
    case Condition::Kind::kNumber:
      return numeric && std::abs(value - c.number) < 1e-6;
    case Condition::Kind::kRange:
      return numeric && (!c.low || value >= *c.low - 1e-9) && (!c.high || value <= *c.high + 1e-9);
    case Condition::Kind::kValues: {
      std::vector<std::string> have;
      for (const auto& v : values) have.push_back(Lower(v));
      for (const auto& [want, negate] : c.values) {
        const bool present = std::find(have.begin(), have.end(), want) != have.end();
        if (present == negate) return false;
      }
      return true;
    }
  }
  return false;
}

Expected<std::vector<std::string>> SeriesAttribute(const DicomSeries& series,
                                                   const std::string& keyword) {
  const DicomSliceHeader& h = series.first();
  if (keyword == "SeriesInstanceUID") return std::vector<std::string>{h.series_instance_uid};
  if (keyword == "StudyInstanceUID") return std::vector<std::string>{h.study_instance_uid};
  if (keyword == "SOPClassUID") return std::vector<std::string>{h.sop_class_uid};
  if (auto it = h.attributes.find(keyword); it != h.attributes.end()) return it->second;
  return ReadDicomAttribute(h.path, keyword);
}

}  // namespace

SeriesSelector SeriesSelector::Default() {
  auto selector = FromJson(R"({"selections": [{"name": "CT Series", "conditions": {
      "Modality": "CT", "ImageType": ["ORIGINAL", "PRIMARY"],
      "PhotometricInterpretation": "MONOCHROME2"}}]})",
                           "default rules");
  VISCERA_CHECK(selector.ok(), "default selection rules parse");
  return std::move(selector).value();
}

Expected<SeriesSelector> SeriesSelector::FromJson(const std::string& text,
                                                  const std::string& source) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument, source + ": selection rules are not valid JSON");
  }
  if (!doc.is_object() || !doc.contains("selections") || !doc["selections"].is_array() ||
      doc["selections"].empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     source + ": expected {\"selections\": [ ... ]} with at least one selection");
  }
  SeriesSelector selector;
  for (const json& s : doc["selections"]) {
    if (!s.is_object() || !s.contains("conditions") || !s["conditions"].is_object()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       source + ": each selection needs a \"conditions\" object");
    }
    Selection selection;
    selection.name = s.value("name", "");
    for (const auto& [keyword, value] : s["conditions"].items()) {
      VISCERA_ASSIGN_OR_RETURN(Condition condition, ParseCondition(keyword, value, source));
      selection.conditions.push_back(std::move(condition));
    }
    selector.selections_.push_back(std::move(selection));
  }
  return selector;
}

Expected<std::vector<SeriesSelector::Match>> SeriesSelector::Select(
    const std::vector<DicomSeries>& series) const {
  for (const Selection& selection : selections_) {
    std::vector<Match> matches;
    for (const DicomSeries& s : series) {
      bool all = true;
      for (const Condition& c : selection.conditions) {
        VISCERA_ASSIGN_OR_RETURN(std::vector<std::string> values, SeriesAttribute(s, c.keyword));
        if (!Matches(c, values)) {
          all = false;
          break;
        }
      }
      if (all) matches.push_back({&s, selection.name});
    }
    if (!matches.empty()) {
      std::stable_sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
        return a.series->instances.size() > b.series->instances.size();
      });
      return matches;
    }
  }
  return std::vector<Match>{};
}

}  // namespace viscera
