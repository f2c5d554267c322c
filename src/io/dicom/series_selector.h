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

#include <string>
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

  struct Condition {
    std::string keyword;
    std::string json_value;  // the rule's value, serialised; parsed on use
  };
  struct Selection {
    std::string name;
    std::vector<Condition> conditions;
  };

 private:
  std::vector<Selection> selections_;
};

}  // namespace viscera
