// libFuzzer target for what voice and text commands take from outside: an intents file
// (voice/intent_catalog.h, input starting with '{') and any sentence a user types or the
// recogniser hears (voice/dialog_manager.h), against the shipped intents and BTCV labels.
#include <cstdint>
#include <memory>
#include <string>

#include "voice/dialog_manager.h"

namespace {

const viscera::DialogManager& Shipped() {
  static const auto* manager = [] {
    auto catalog = viscera::IntentCatalog::Load(VISCERA_SOURCE_DIR "/data/voice/intents.json");
    if (!catalog.ok()) __builtin_trap();
    auto shared = std::make_shared<const viscera::IntentCatalog>(std::move(*catalog));
    return new viscera::DialogManager(shared, shared->default_labels);
  }();
  return *manager;
}

void CheckMatch(const viscera::IntentMatch& m) {
  if (m.confidence < 0 || m.confidence > 1 || m.reply.empty()) __builtin_trap();
  // As the service writes it (invalid UTF-8 replaced).
  (void)m.ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (!text.empty() && text[0] == '{') {
    auto catalog = viscera::IntentCatalog::Parse(text, "fuzz");
    if (!catalog.ok()) return 0;
    auto shared = std::make_shared<const viscera::IntentCatalog>(std::move(*catalog));
    const viscera::DialogManager manager(shared, {{1, "liver"}, {2, "kidney_left"}});
    CheckMatch(manager.Understand("hide the liver"));
    (void)manager.Grammar();
    return 0;
  }
  CheckMatch(Shipped().Understand(text));
  return 0;
}
