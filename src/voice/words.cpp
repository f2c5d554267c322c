#include "voice/words.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace viscera {

std::vector<std::string> SplitWords(std::string_view text, bool keep_hyphens) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    while (!word.empty() && word.back() == '-') word.pop_back();
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      word.push_back(static_cast<char>(std::tolower(u)));
    } else if (c == '\'') {
      continue;  // "let's" -> "lets"
    } else if (c == '-' && keep_hyphens && !word.empty()) {
      word.push_back('-');
    } else {
      flush();
    }
  }
  flush();
  return words;
}

int EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

int TypoAllowance(std::string_view word) {
  if (word.size() < 4) return 0;
  return word.size() < 7 ? 1 : 2;
}

bool WithinTypo(std::string_view heard, std::string_view known) {
  const int allowance = TypoAllowance(known);
  if (allowance == 0) return heard == known;
  const auto longer = std::max(heard.size(), known.size());
  const auto shorter = std::min(heard.size(), known.size());
  if (longer - shorter > static_cast<size_t>(allowance)) return false;
  return EditDistance(heard, known) <= allowance;
}

std::string SingularOf(std::string_view word) {
  std::string w(word);
  if (w.size() > 4 && w.ends_with("ies")) return w.substr(0, w.size() - 3) + "y";
  if (w.size() > 4 && (w.ends_with("ches") || w.ends_with("shes") || w.ends_with("sses")))
    return w.substr(0, w.size() - 2);
  if (w.size() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") &&
      !w.ends_with("as") && !w.ends_with("is"))
    return w.substr(0, w.size() - 1);
  return w;
}

namespace {

struct NumberWord {
  const char* word;
  int value;
};
constexpr std::array<NumberWord, 28> kNumberWords = {{
    {"zero", 0},     {"one", 1},      {"two", 2},        {"three", 3},     {"four", 4},
    {"five", 5},     {"six", 6},      {"seven", 7},      {"eight", 8},     {"nine", 9},
    {"ten", 10},     {"eleven", 11},  {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14},
    {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
    {"twenty", 20},  {"thirty", 30},  {"forty", 40},     {"fifty", 50},    {"sixty", 60},
    {"seventy", 70}, {"eighty", 80},  {"ninety", 90},
}};

std::optional<int> NumberWordValue(const std::string& word) {
  for (const auto& n : kNumberWords)
    if (word == n.word) return n.value;
  return std::nullopt;
}

}  // namespace

std::optional<SpokenNumber> ParseSpokenNumber(const std::vector<std::string>& tokens,
                                              size_t first) {
  if (first >= tokens.size()) return std::nullopt;
  const std::string& w = tokens[first];
  if (!w.empty() && w.size() <= 6 && std::all_of(w.begin(), w.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return SpokenNumber{std::stod(w), 1};
  }
  auto value = NumberWordValue(w);
  if (!value) return std::nullopt;
  SpokenNumber number{static_cast<double>(*value), 1};
  size_t next = first + 1;
  if (*value >= 1 && *value <= 9 && next < tokens.size() && tokens[next] == "hundred") {
    number.value = *value * 100.0;
    number.tokens = 2;
    next = first + 2;
    if (next < tokens.size() && tokens[next] == "and") ++next;
    if (auto rest = ParseSpokenNumber(tokens, next); rest && rest->value < 100) {
      number.value += rest->value;
      number.tokens = next - first + rest->tokens;
    }
    return number;
  }
  if (*value >= 20 && *value % 10 == 0 && next < tokens.size()) {
    if (auto unit = NumberWordValue(tokens[next]); unit && *unit >= 1 && *unit <= 9) {
      number.value += *unit;
      number.tokens = 2;
    }
  }
  return number;
}

std::string JoinWords(const std::vector<std::string>& words, size_t first, size_t end) {
  std::string text;
  for (size_t i = first; i < end && i < words.size(); ++i) {
    if (!text.empty()) text += ' ';
    text += words[i];
  }
  return text;
}

}  // namespace viscera
