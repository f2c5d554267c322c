#include "io/metaimage_header.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

namespace viscera {
namespace {

constexpr const char* kElementNames[] = {"MET_UCHAR", "MET_CHAR", "MET_SHORT", "MET_USHORT",
                                         "MET_INT",   "MET_UINT", "MET_FLOAT", "MET_DOUBLE"};
constexpr int kElementBytes[] = {1, 1, 2, 2, 4, 4, 4, 8};

Error Corrupt(std::string message) {
  return MakeError(ErrorCode::kCorruptData, std::move(message));
}
Error Unsupported(std::string message) {
  return MakeError(ErrorCode::kUnsupported, std::move(message));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A value quoted for an error message, shortened so a hostile header cannot flood the log.
std::string Quote(std::string_view value) {
  constexpr size_t kMax = 60;
  std::string quoted(1, '\'');
  quoted.append(value.substr(0, kMax));
  if (value.size() > kMax) quoted.append("...");
  quoted.push_back('\'');
  return quoted;
}

std::vector<std::string_view> SplitWords(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) words.push_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

template <typename T>
std::optional<T> ParseNumber(std::string_view word) {
  T value{};
  if (!word.empty() && word.front() == '+') word.remove_prefix(1);  // from_chars rejects '+'
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || end != word.data() + word.size()) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) return std::nullopt;
  }
  return value;
}

template <typename T>
std::optional<std::vector<T>> ParseNumbers(std::string_view value, size_t count) {
  auto words = SplitWords(value);
  if (words.size() != count) return std::nullopt;
  std::vector<T> numbers;
  for (auto word : words) {
    auto n = ParseNumber<T>(word);
    if (!n) return std::nullopt;
    numbers.push_back(*n);
  }
  return numbers;
}

// MetaIO reads a boolean from its first letter: T/t/1 or F/f/0.
std::optional<bool> ParseBool(std::string_view value) {
  if (value.empty()) return std::nullopt;
  if (value.front() == 'T' || value.front() == 't' || value.front() == '1') return true;
  if (value.front() == 'F' || value.front() == 'f' || value.front() == '0') return false;
  return std::nullopt;
}

// One "Key = Value" line, keyed by its canonical name; `key` is the name as written.
struct Field {
  std::string key;
  std::string value;
};

// Synonyms share one canonical name, so the later line wins as in MetaIO.
std::string CanonicalKey(std::string_view key) {
  if (key == "Origin" || key == "Position") return "Offset";
  if (key == "Rotation" || key == "Orientation") return "TransformMatrix";
  if (key == "ElementByteOrderMSB") return "BinaryDataByteOrderMSB";
  return std::string(key);
}

class Fields {
 public:
  Fields(std::map<std::string, Field> fields, std::string what)
      : fields_(std::move(fields)), what_(std::move(what)) {}
  const Field* Find(const std::string& canonical) const {
    auto it = fields_.find(canonical);
    return it == fields_.end() ? nullptr : &it->second;
  }
  Error Bad(const Field& f, const std::string& expected,
            ErrorCode code = ErrorCode::kCorruptData) const {
    return MakeError(code, what_ + ": " + f.key + " " + Quote(f.value) + " " + expected);
  }
  Expected<bool> Bool(const std::string& canonical, bool fallback) const {
    const Field* f = Find(canonical);
    if (!f) return fallback;
    auto b = ParseBool(f->value);
    if (!b) return Bad(*f, "is not True or False");
    return *b;
  }
  Expected<int64_t> Int(const std::string& canonical, int64_t fallback, int64_t min) const {
    const Field* f = Find(canonical);
    if (!f) return fallback;
    auto n = ParseNumber<int64_t>(Trim(f->value));
    if (!n || *n < min) return Bad(*f, "is not an integer >= " + std::to_string(min));
    return *n;
  }
  // `count` finite numbers from the first of `canonical` present; nullopt if absent.
  Expected<std::optional<std::vector<double>>> Doubles(const std::string& canonical, size_t count,
                                                       bool positive) const {
    const Field* f = Find(canonical);
    if (!f) return std::optional<std::vector<double>>();
    auto numbers = ParseNumbers<double>(f->value, count);
    bool ok = numbers.has_value();
    if (ok && positive) {
      for (double d : *numbers) ok = ok && d > 0;
    }
    if (!ok) {
      return Bad(*f,
                 "is not " + std::to_string(count) + (positive ? " positive" : "") + " numbers");
    }
    return numbers;
  }

 private:
  std::map<std::string, Field> fields_;
  std::string what_;
};

// MetaIO/ITK convention, checked against ITK's MetaImageIO::ReadImageInformation: the numbers are
// read as `direction_of_axis[ii][jj] = TransformMatrix[ii * NDims + jj]` and passed to
// ImageIOBase::SetDirection(ii, ...), i.e. the first NDims numbers are the LPS direction vector
// of index axis i, the next of axis j, then k. Those vectors are the COLUMNS of our direction
// matrix, so m[row][col] = numbers[col * NDims + row] (and the writer emits columns in turn).
Mat3 DirectionFromNumbers(const std::vector<double>& n, int ndims) {
  Mat3 d;
  for (int c = 0; c < ndims; ++c) {
    for (int r = 0; r < ndims; ++r) d.m[r][c] = n[static_cast<size_t>(c * ndims + r)];
  }
  return d;
}

// Accepts non-unit columns the way ITK maps them (world = origin + D * diag(spacing) * index):
// a column's length moves into the spacing. Refuses zero-length columns and singular matrices.
Status NormaliseDirection(Geometry& g, const Field& f, const Fields& fields) {
  for (int c = 0; c < 3; ++c) {
    Vec3 col = g.direction.Column(c);
    double norm = std::sqrt(col[0] * col[0] + col[1] * col[1] + col[2] * col[2]);
    if (!(norm > 1e-12) || !std::isfinite(norm)) {
      return fields.Bad(f, "has a zero-length direction for axis " + std::to_string(c));
    }
    if (std::abs(norm - 1) > 1e-6) {
      for (int r = 0; r < 3; ++r) g.direction.m[r][c] /= norm;
      g.spacing[c] *= norm;
      if (!std::isnormal(g.spacing[c])) {
        return fields.Bad(f, "scales the spacing of axis " + std::to_string(c) + " out of range");
      }
    }
  }
  const auto& d = g.direction.m;
  double det = d[0][0] * (d[1][1] * d[2][2] - d[1][2] * d[2][1]) -
               d[0][1] * (d[1][0] * d[2][2] - d[1][2] * d[2][0]) +
               d[0][2] * (d[1][0] * d[2][1] - d[1][1] * d[2][0]);
  if (std::abs(det) < 1e-6) return fields.Bad(f, "is singular (axes are parallel)");
  return Ok{};
}

Expected<MetElementType> ParseElementType(const Field& f, const Fields& fields) {
  std::string_view name = Trim(f.value);
  for (int t = 0; t < 8; ++t) {
    if (name == kElementNames[t]) return static_cast<MetElementType>(t);
  }
  // Element types MetaIO defines that we do not read; anything else is not MetaImage at all.
  constexpr std::string_view kOtherMetTypes[] = {"MET_ASCII_CHAR",   "MET_LONG",       "MET_ULONG",
                                                 "MET_LONG_LONG",    "MET_ULONG_LONG", "MET_STRING",
                                                 "MET_FLOAT_MATRIX", "MET_OTHER"};
  bool known = name.starts_with("MET_") && name.ends_with("_ARRAY");
  for (auto other : kOtherMetTypes) known = known || name == other;
  if (known) {
    return fields.Bad(f,
                      "is not supported (MET_UCHAR, MET_CHAR, MET_SHORT, MET_USHORT, MET_INT, "
                      "MET_UINT, MET_FLOAT, MET_DOUBLE)",
                      ErrorCode::kUnsupported);
  }
  return fields.Bad(f, "is not a MetaImage element type");
}

Status CheckDataFileName(MetaImageHeader& h, const std::string& what) {
  const std::string& name = h.data_file;
  const std::string field = what + ": ElementDataFile " + Quote(name);
  if (name.empty()) return Corrupt(field + " is empty");
  if (name == "LOCAL" || name == "Local" || name == "local") {
    h.data_file = "LOCAL";
    return Ok{};
  }
  if (name.starts_with("LIST")) return Unsupported(field + ": slice lists are not supported");
  if (name.find('%') != std::string::npos) {
    return Unsupported(field + ": numbered slice files are not supported");
  }
  std::filesystem::path p(name);
  if (p.is_absolute()) {
    return Unsupported(field + " is an absolute path; only files beside the header are read");
  }
  for (const auto& part : p) {
    if (part == "..") {
      return Unsupported(field + " leaves the header's folder; only files beside it are read");
    }
  }
  return Ok{};
}

Status Interpret(const Fields& fields, MetaImageHeader& h, const std::string& what) {
  if (const Field* f = fields.Find("ObjectType"); f && Trim(f->value) != "Image") {
    return fields.Bad(*f, "is not supported (only Image)", ErrorCode::kUnsupported);
  }
  const Field* ndims = fields.Find("NDims");
  if (!ndims) return Corrupt(what + ": NDims is missing");
  auto nd = ParseNumber<int64_t>(Trim(ndims->value));
  if (!nd) return fields.Bad(*ndims, "is not an integer");
  if (*nd != 2 && *nd != 3) {
    return fields.Bad(*ndims, "is not supported (2 or 3)", ErrorCode::kUnsupported);
  }
  h.ndims = static_cast<int>(*nd);
  const auto n = static_cast<size_t>(h.ndims);

  const Field* dims = fields.Find("DimSize");
  if (!dims) return Corrupt(what + ": DimSize is missing");
  auto size = ParseNumbers<int64_t>(dims->value, n);
  bool size_ok = size.has_value();
  for (size_t a = 0; size_ok && a < n; ++a) size_ok = (*size)[a] > 0;
  if (!size_ok) return fields.Bad(*dims, "is not " + std::to_string(n) + " positive integers");
  h.size = {(*size)[0], (*size)[1], h.ndims == 3 ? (*size)[2] : 1};

  const Field* type = fields.Find("ElementType");
  if (!type) return Corrupt(what + ": ElementType is missing");
  VISCERA_ASSIGN_OR_RETURN(h.element_type, ParseElementType(*type, fields));

  VISCERA_ASSIGN_OR_RETURN(int64_t channels, fields.Int("ElementNumberOfChannels", 1, 1));
  if (channels != 1) {
    return fields.Bad(*fields.Find("ElementNumberOfChannels"),
                      "is not supported (only scalar images)", ErrorCode::kUnsupported);
  }
  VISCERA_ASSIGN_OR_RETURN(bool binary, fields.Bool("BinaryData", true));
  if (!binary) {
    return fields.Bad(*fields.Find("BinaryData"), "is not supported (ASCII voxel data)",
                      ErrorCode::kUnsupported);
  }
  VISCERA_ASSIGN_OR_RETURN(h.msb, fields.Bool("BinaryDataByteOrderMSB", false));
  VISCERA_ASSIGN_OR_RETURN(h.compressed, fields.Bool("CompressedData", false));
  VISCERA_ASSIGN_OR_RETURN(h.compressed_size, fields.Int("CompressedDataSize", -1, 0));
  VISCERA_ASSIGN_OR_RETURN(h.header_size, fields.Int("HeaderSize", 0, -1));

  Geometry& g = h.geometry;
  g.size = h.size;
  VISCERA_ASSIGN_OR_RETURN(auto spacing, fields.Doubles("ElementSpacing", n, true));
  if (!spacing) {
    VISCERA_ASSIGN_OR_RETURN(spacing, fields.Doubles("ElementSize", n, true));
  }
  if (spacing) {
    for (size_t a = 0; a < n; ++a) g.spacing[a] = (*spacing)[a];
  }
  VISCERA_ASSIGN_OR_RETURN(auto origin, fields.Doubles("Offset", n, false));
  if (origin) {
    for (size_t a = 0; a < n; ++a) g.origin[a] = (*origin)[a];
  }
  VISCERA_ASSIGN_OR_RETURN(auto matrix, fields.Doubles("TransformMatrix", n * n, false));
  if (matrix) {
    g.direction = DirectionFromNumbers(*matrix, h.ndims);
    VISCERA_RETURN_IF_ERROR(NormaliseDirection(g, *fields.Find("TransformMatrix"), fields));
  }
  return CheckDataFileName(h, what);
}

// Control characters (other than tab and CR) mark binary data, not header text.
bool IsTextLine(std::string_view line) {
  for (char ch : line) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

int MetElementBytes(MetElementType type) {
  return kElementBytes[static_cast<int>(type)];
}
const char* MetElementName(MetElementType type) {
  return kElementNames[static_cast<int>(type)];
}

Expected<MetaImageHeader> ParseMetaImageHeader(std::string_view text, const std::string& what) {
  if (text.empty()) return Corrupt(what + ": empty file, not a MetaImage header");
  MetaImageHeader h;
  std::map<std::string, Field> fields;
  bool found_data_file = false;
  size_t pos = 0;
  for (int line_no = 1; pos < text.size() && !found_data_file; ++line_no) {
    size_t newline = text.find('\n', pos);
    size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(pos, end - pos);
    pos = newline == std::string_view::npos ? text.size() : newline + 1;
    const std::string where = what + ": header line " + std::to_string(line_no);
    if (!IsTextLine(line)) return Corrupt(where + " holds binary bytes, not 'Key = Value' text");
    line = Trim(line);
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return Corrupt(where + " " + Quote(line) + " is not 'Key = Value'");
    std::string_view key = Trim(line.substr(0, eq));
    std::string_view value = Trim(line.substr(eq + 1));
    if (key.empty()) return Corrupt(where + " " + Quote(line) + " has no key");
    if (key == "ElementDataFile") {
      if (newline == std::string_view::npos && text.size() >= kMaxMetaImageHeaderBytes) break;
      h.data_file = std::string(value);
      h.header_end = static_cast<int64_t>(pos);
      found_data_file = true;
    } else {
      fields[CanonicalKey(key)] = Field{std::string(key), std::string(value)};
    }
  }
  if (!found_data_file) {
    if (text.size() >= static_cast<size_t>(kMaxMetaImageHeaderBytes)) {
      return Corrupt(what + ": no ElementDataFile in the first " +
                     std::to_string(kMaxMetaImageHeaderBytes) + " bytes; not a MetaImage header");
    }
    return Corrupt(what + ": ElementDataFile is missing (it must be the last header key)");
  }
  VISCERA_RETURN_IF_ERROR(Interpret(Fields(std::move(fields), what), h, what));
  return h;
}

namespace {
void AppendNumbers(std::string& out, const double* values, int count) {
  for (int i = 0; i < count; ++i) {
    char buf[32];
    // Shortest text that parses back to the same double.
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), values[i]);
    VISCERA_CHECK(ec == std::errc(), "to_chars failed");
    if (i > 0) out += ' ';
    out.append(buf, end);
  }
}

// ITK's AnatomicalOrientation names where each index axis comes FROM: an identity LPS direction
// (axes toward L, P, S) is "RAI". Our AxisCodes() names where they point, so flip each letter.
std::string AnatomicalOrientation(const Geometry& g) {
  std::string codes = g.AxisCodes();
  for (char& c : codes) {
    switch (c) {
      case 'L':
        c = 'R';
        break;
      case 'R':
        c = 'L';
        break;
      case 'P':
        c = 'A';
        break;
      case 'A':
        c = 'P';
        break;
      case 'S':
        c = 'I';
        break;
      case 'I':
        c = 'S';
        break;
      default:
        break;
    }
  }
  return codes;
}
}  // namespace

std::string FormatMetaImageHeader(const Geometry& g, MetElementType type, int64_t compressed_size,
                                  const std::string& data_file) {
  std::string h;
  h += "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n";
  h += compressed_size >= 0 ? "CompressedData = True\n" : "CompressedData = False\n";
  if (compressed_size >= 0) h += "CompressedDataSize = " + std::to_string(compressed_size) + "\n";
  double matrix[9];
  for (int c = 0; c < 3; ++c) {
    for (int r = 0; r < 3; ++r) matrix[c * 3 + r] = g.direction.m[r][c];  // columns in turn
  }
  h += "TransformMatrix = ";
  AppendNumbers(h, matrix, 9);
  h += "\nOffset = ";
  AppendNumbers(h, g.origin.data(), 3);
  h += "\nCenterOfRotation = 0 0 0\nAnatomicalOrientation = " + AnatomicalOrientation(g);
  h += "\nElementSpacing = ";
  AppendNumbers(h, g.spacing.data(), 3);
  h += "\nDimSize = " + std::to_string(g.size[0]) + " " + std::to_string(g.size[1]) + " " +
       std::to_string(g.size[2]);
  h += "\nElementType = " + std::string(MetElementName(type));
  h += "\nElementDataFile = " + data_file + "\n";
  return h;
}

}  // namespace viscera
