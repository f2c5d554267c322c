// Word-level helpers shared by the dialog manager and the structure vocabulary: how a sentence
// becomes lower-case words, how close two words are, plurals and spoken numbers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace viscera {

// Lower-case words: letters, digits, apostrophes dropped ("let's" -> "lets"); '-' and '_' and
// other punctuation separate words, except that "see-through" style words stay whole when
// `keep_hyphens` is set.
std::vector<std::string> SplitWords(std::string_view text, bool keep_hyphens = true);

// Optimal string alignment distance (edits: insert, delete, substitute, swap neighbours).
int EditDistance(std::string_view a, std::string_view b);

// The edits a typo may have for words this long: 0 under 4 letters, 1 under 7, else 2.
int TypoAllowance(std::string_view word);

// True when `heard` is `known` with at most TypoAllowance(known) edits (cheap length check first).
bool WithinTypo(std::string_view heard, std::string_view known);

// "kidneys" -> "kidney", "ribs" -> "rib", "vessels" -> "vessel"; other words unchanged.
std::string SingularOf(std::string_view word);

// "30", "thirty", "forty five" (several words starting at tokens[first]): the value and the
// number of tokens used.
struct SpokenNumber {
  double value = 0;
  size_t tokens = 0;
};
std::optional<SpokenNumber> ParseSpokenNumber(const std::vector<std::string>& tokens, size_t first);

std::string JoinWords(const std::vector<std::string>& words, size_t first, size_t end);

}  // namespace viscera
