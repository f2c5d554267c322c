// What a speech recogniser may hear: the command phrases of the intents file and the values of
// their slots, as plain lower-case words. speech_grammar.h turns it into a JSGF grammar.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace viscera {

struct GrammarSpec {
  // Phrases with slot placeholders: "hide {structures}", "rotate {direction} by {number} degrees".
  std::vector<std::string> phrases;
  // Each slot's spoken values: "structures" -> {"liver", "left kidney", "kidneys", ...}.
  std::map<std::string, std::vector<std::string>> slots;
  // Words that may come before a command ("please", "can you") or after it ("please").
  std::vector<std::string> leading_fillers, trailing_fillers;
};

}  // namespace viscera
