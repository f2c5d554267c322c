// Choosing which series to load, with rules in MONAI Deploy's series-selector JSON:
//
//   {"selections": [{"name": "CT Series",
//                    "conditions": {"Modality": "(?i)CT",
//                                   "ImageType": ["PRIMARY", "ORIGINAL", "!LOCALIZER"],
//                                   "SliceThickness": [0.5, 5.0],
//                                   "SeriesDescription": "!(?i)scout"}}]}
//
// Conditions use DICOM keywords and all must hold:
// - string: case-insensitive equality, else a case-insensitive regex search (a leading "(?i)" is
//   accepted); a leading "!" negates (the series matches when the attribute does NOT match).
// - number: numeric equality.  [min, max] of numbers (null for open): inclusive range.
// - list of strings on a multi-valued attribute (ImageType): every listed value present
//   (case-insensitive), every "!"-prefixed value absent.
// Selections are tried in order; among series matching the first selection that matches any, the
// one with the most instances comes first.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "io/dicom/dicom_scan.h"

namespace viscera {

class SeriesSelector {
 public:
  // Modality CT, ImageType ORIGINAL and PRIMARY, PhotometricInterpretation MONOCHROME2.
  static SeriesSelector Default();
  // `source` names the rules for error messages (a file name).
  static Expected<SeriesSelector> FromJson(const std::string& json, const std::string& source);

  struct Match {
    const DicomSeries* series;
    std::string selection_name;
  };
  // All matching series, best first. Empty when nothing matches. Errors only for bad rules
  // (e.g. an invalid regex) or unreadable files.
  Expected<std::vector<Match>> Select(const std::vector<DicomSeries>& series) const;

  // A condition, parsed and checked once when the rules are read.
  struct Condition {
    enum class Kind { kAlways, kText, kNumber, kRange, kValues };
    std::string keyword;
    Kind kind = Kind::kAlways;
    bool negate = false;                               // kText: "!" prefix
    std::string text;                                  // kText: pattern without "!" and "(?i)"
    std::shared_ptr<const std::regex> regex;           // kText: compiled, case-insensitive
    double number = 0;                                 // kNumber
    std::optional<double> low, high;                   // kRange: null ends stay open
    std::vector<std::pair<std::string, bool>> values;  // kValues: lower-case value, negated
  };
  struct Selection {
    std::string name;
    std::vector<Condition> conditions;
  };

 private:
  std::vector<Selection> selections_;
};

}  // namespace viscera
