// Voice and text commands against the real `viscera serve`: typed sentences and spoken audio on
// the render session's WebSocket act through the session (the frame changes, the state says
// so), replies carry speech, and GET /<project>/process_query answers like the reference's
// dialog manager, optionally acting on an open session.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/base64.h"
#include "service_test_support.h"
#include "voice/wav_audio.h"

namespace viscera::testing {
namespace {

class VoiceApiTest : public ServeFixture {
 protected:
  // A server on the abdomen and a render session on it, its first full frame received.
  void OpenSession() {
    server_ = StartServer();
    ASSERT_TRUE(server_);
    client_ = RenderClient::Open(server_->endpoint(), "abdomen");
    ASSERT_TRUE(client_);
    auto first = client_->WaitForFrame(0, "full");
    ASSERT_TRUE(first.ok()) << first.error().ToString();
    first_ = std::move(*first);
  }
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<RenderClient> client_;
  FrameMessage first_;
};

// The newest text of `type` already received, else the next one.
nlohmann::json TextOfType(RenderClient& client, const std::string& type) {
  for (auto it = client.texts().rbegin(); it != client.texts().rend(); ++it) {
    if (it->is_object() && it->value("type", "") == type) return *it;
  }
  auto next = client.WaitForText(type);
  EXPECT_TRUE(next.ok()) << type << ": " << (next.ok() ? "" : next.error().ToString());
  return next.ok() ? *next : nlohmann::json();
}

bool OrganVisible(const nlohmann::json& state, int label) {
  for (const auto& organ : state["settings"]["organs"]) {
    if (organ["label"] == label) return organ["visible"].get<bool>();
  }
  return true;
}

TEST_F(VoiceApiTest, TypedCommandsActThroughTheSessionAndAreAnsweredInSpeech) {
  ASSERT_NO_FATAL_FAILURE(OpenSession());
  RenderClient* client = client_.get();
  const FrameMessage* first = &first_;

  ASSERT_TRUE(client->Send(R"({"type": "query", "id": 5, "text": "please hide the liver"})").ok());
  auto hidden = client->WaitForFrame(5, "full");
  ASSERT_TRUE(hidden.ok()) << hidden.error().ToString();
  EXPECT_GT(MeanFrameDifference(*first, *hidden), 0.5) << "hiding the liver changed nothing";
  const nlohmann::json reply = TextOfType(*client, "reply");
  EXPECT_EQ(reply["intent"], "hide");
  EXPECT_EQ(reply["input_id"], 5);
  EXPECT_TRUE(reply["applied"].get<bool>());
  EXPECT_EQ(reply["text"], "Hiding the liver.");
  EXPECT_EQ(reply["slots"]["structures"][0]["label"], kLiverLabel);
  const nlohmann::json state = TextOfType(*client, "state");
  EXPECT_FALSE(OrganVisible(state, kLiverLabel)) << state["settings"]["organs"].dump();
  EXPECT_TRUE(state["modified"].get<bool>());
  // The spoken reply is a WAV of about a second of speech.
  ASSERT_TRUE(reply.contains("audio"));
  auto audio = Base64Decode(reply["audio"].get<std::string>());
  ASSERT_TRUE(audio.ok()) << audio.error().ToString();
  auto wav = ParseWav(*audio, "reply audio");
  ASSERT_TRUE(wav.ok()) << wav.error().ToString();
  const double seconds =
      static_cast<double>(wav->samples.size()) / wav->channels / wav->sample_rate;
  EXPECT_GT(seconds, 0.5);
  EXPECT_LT(seconds, 4.0);

  // Spoken replies off: text only. Zooming moves the camera (no state message needed).
  ASSERT_TRUE(client->Send(R"({"type": "voice", "spoken_replies": false})").ok());
  ASSERT_TRUE(client->Send(R"({"type": "query", "id": 6, "text": "zoom in a lot"})").ok());
  auto zoomed = client->WaitForFrame(6, "full");
  ASSERT_TRUE(zoomed.ok()) << zoomed.error().ToString();
  EXPECT_GT(MeanFrameDifference(*hidden, *zoomed), 1.0) << "zooming changed nothing";
  const nlohmann::json zoom_reply = TextOfType(*client, "reply");
  EXPECT_EQ(zoom_reply["intent"], "zoom_in");
  EXPECT_FALSE(zoom_reply.contains("audio"));

  // A question back acts only after "yes".
  ASSERT_TRUE(client
                  ->Send(R"({"type": "query", "id": 7,
                               "text": "show the liver slowly beyond something"})")
                  .ok());
  auto question = client->WaitForText("reply");
  ASSERT_TRUE(question.ok());
  EXPECT_TRUE((*question)["needs_confirmation"].get<bool>()) << question->dump();
  EXPECT_FALSE((*question)["applied"].get<bool>());
  EXPECT_EQ((*question)["text"], "Did you mean show the liver?");
  ASSERT_TRUE(client->Send(R"({"type": "query", "id": 8, "text": "yes"})").ok());
  auto shown_state = client->WaitForText("state");
  ASSERT_TRUE(shown_state.ok());
  EXPECT_TRUE(OrganVisible(*shown_state, kLiverLabel));
  auto confirmed = client->WaitForText("reply");
  ASSERT_TRUE(confirmed.ok());
  EXPECT_EQ((*confirmed)["intent"], "show");
  EXPECT_EQ((*confirmed)["text"], "Showing the liver.");

  // Saving by voice stores a version; "next dataset" names the dataset to open.
  ASSERT_TRUE(client->Send(R"({"type": "query", "id": 9, "text": "save these settings"})").ok());
  auto saved = client->WaitForText("saved");
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  EXPECT_EQ((*saved)["version"], 1);
  ASSERT_TRUE(client->Send(R"({"type": "query", "id": 10, "text": "next dataset"})").ok());
  auto next = client->WaitForText("reply");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)["navigate"]["dataset"], "abdomen");  // the only one: wraps around

  // Bad messages get errors naming the field; the session goes on.
  ASSERT_TRUE(client->Send(R"({"type": "query", "id": 11, "text": "   "})").ok());
  auto error = client->WaitForText("error");
  ASSERT_TRUE(error.ok());
  EXPECT_EQ((*error)["message"], "query.text: is empty");
  ASSERT_TRUE(client->socket().SendBinary(std::string(3200, '\0')).ok());  // not listening
  ASSERT_TRUE(client->Send(R"({"type": "state"})").ok());
  EXPECT_TRUE(client->WaitForText("state").ok());
}

TEST_F(VoiceApiTest, SpokenCommandsAreRecognisedFromStreamedAudio) {
  ASSERT_NO_FATAL_FAILURE(OpenSession());
  RenderClient* client = client_.get();
  const FrameMessage* first = &first_;

  // "hide the liver" said by flite (rms voice), resampled to 16 kHz, a second of silence after:
  // streamed in 100 ms messages as the dashboard's microphone does.
  const auto said = scratch_ / "hide-the-liver.wav";
  ASSERT_EQ(std::system(("flite -voice rms -t 'hide the liver' -o " + said.string()).c_str()), 0);
  auto wav = ReadWavFile(said);
  ASSERT_TRUE(wav.ok()) << wav.error().ToString();
  std::vector<int16_t> pcm = ToMono16k(*wav);
  pcm.insert(pcm.begin(), 4800, 0);
  pcm.insert(pcm.end(), 16000, 0);
  ASSERT_TRUE(client->Send(R"({"type": "listen", "id": 20, "sample_rate": 16000})").ok());
  auto listening = client->WaitForText("listening");
  ASSERT_TRUE(listening.ok());
  EXPECT_TRUE((*listening)["active"].get<bool>());
  for (size_t at = 0; at < pcm.size(); at += 1600) {
    const size_t n = std::min<size_t>(1600, pcm.size() - at);
    std::string bytes(n * 2, '\0');
    for (size_t i = 0; i < n; ++i) {
      const auto v = static_cast<uint16_t>(pcm[at + i]);
      bytes[2 * i] = static_cast<char>(v & 0xff);
      bytes[2 * i + 1] = static_cast<char>(v >> 8);
    }
    ASSERT_TRUE(client->socket().SendBinary(bytes).ok());
  }
  auto transcript = client->WaitForText("transcript");
  while (transcript.ok() && !(*transcript)["final"].get<bool>())
    transcript = client->WaitForText("transcript");
  ASSERT_TRUE(transcript.ok()) << transcript.error().ToString();
  EXPECT_EQ((*transcript)["text"], "hide the liver");
  auto reply = client->WaitForText("reply");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ((*reply)["intent"], "hide");
  EXPECT_EQ((*reply)["input_id"], 20);
  EXPECT_EQ((*reply)["slots"]["structures"][0]["label"], kLiverLabel);
  EXPECT_TRUE(reply->contains("audio"));
  const nlohmann::json state = TextOfType(*client, "state");
  EXPECT_FALSE(OrganVisible(state, kLiverLabel));
  auto frame = client->WaitForFrame(20, "full");
  ASSERT_TRUE(frame.ok()) << frame.error().ToString();
  EXPECT_GT(MeanFrameDifference(*first, *frame), 0.5) << "hiding the liver changed nothing";

  // Silence ends listening by itself after 8 s, with nothing done.
  ASSERT_TRUE(client->Send(R"({"type": "listen", "id": 22})").ok());
  for (int i = 0; i < 90; ++i)
    ASSERT_TRUE(client->socket().SendBinary(std::string(3200, '\0')).ok());
  auto silent = client->WaitForText("reply");
  ASSERT_TRUE(silent.ok()) << silent.error().ToString();
  EXPECT_EQ((*silent)["input_id"], 22);
  EXPECT_FALSE((*silent)["applied"].get<bool>());

  // Audio that is not whole samples stops listening with an error.
  ASSERT_TRUE(client->Send(R"({"type": "listen", "id": 21})").ok());
  ASSERT_TRUE(client->socket().SendBinary(std::string(3, '\0')).ok());
  auto error = client->WaitForText("error");
  ASSERT_TRUE(error.ok());
  EXPECT_EQ((*error)["message"], "audio message of 3 bytes is not whole 16-bit samples");
}

TEST_F(VoiceApiTest, ProcessQueryAnswersLikeTheReferenceAndCanActOnASession) {
  auto server = StartServer({"--project", "clara"});
  ASSERT_TRUE(server);
  const HttpEndpoint endpoint = server->endpoint();
  // Without a dataset: the BTCV organ names.
  nlohmann::json btcv = JsonBody(
      HttpRequest(endpoint, "GET", "/clara/process_query?query=show%20only%20the%20kidneys"));
  EXPECT_EQ(btcv["intent"], "isolate");
  EXPECT_EQ(btcv["slots"]["structures"].size(), 2u);
  EXPECT_EQ(btcv["reply"], "Showing only the kidneys.");
  EXPECT_GE(btcv["confidence"].get<double>(), 0.62);
  EXPECT_FALSE(btcv["applied"].get<bool>());
  // With the dataset: its own label table (TotalSegmentator has ribs).
  nlohmann::json ribs = JsonBody(HttpRequest(
      endpoint, "GET", "/clara/process_query?query=remove%20the%20ribs&dataset=abdomen"));
  EXPECT_EQ(ribs["intent"], "hide");
  EXPECT_GE(ribs["slots"]["structures"].size(), 10u);  // the ribs in the scan's field of view
  for (const auto& s : ribs["slots"]["structures"]) {
    const std::string name = s["name"];
    EXPECT_TRUE(name.starts_with("rib_") || name == "costal_cartilages") << name;
  }

  auto wrong = HttpRequest(endpoint, "GET", "/viscera/process_query?query=zoom%20in");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 404);
  EXPECT_NE(wrong->body.find("no project \\\"viscera\\\""), std::string::npos) << wrong->body;
  auto empty = HttpRequest(endpoint, "GET", "/clara/process_query");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->status, 400);

  // Session-bound: acts on the open session, whose client sees the new state and frame.
  auto client = RenderClient::Open(endpoint, "abdomen");
  ASSERT_TRUE(client);
  auto hello = client->WaitForText("hello");
  ASSERT_TRUE(hello.ok());
  auto first = client->WaitForFrame(0, "full");
  ASSERT_TRUE(first.ok());
  const std::string session = (*hello)["session"];
  nlohmann::json acted = JsonBody(HttpRequest(
      endpoint, "GET", "/clara/process_query?query=hide%20the%20liver&session=" + session));
  EXPECT_EQ(acted["intent"], "hide");
  EXPECT_TRUE(acted["applied"].get<bool>()) << acted.dump();
  auto state = client->WaitForText("state");
  ASSERT_TRUE(state.ok());
  EXPECT_FALSE(OrganVisible(*state, kLiverLabel));
  auto missing = HttpRequest(endpoint, "GET", "/clara/process_query?query=zoom&session=nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

TEST_F(VoiceApiTest, ABrokenIntentsFileStopsTheServerWithItsName) {
  std::ofstream(scratch_ / "intents.json") << R"({"version": 1, "intents": [{"name": "x"}]})";
  const std::string out = ServerProcess::StartExpectingRefusal(
      {"--data", data_.string(), "--intents", (scratch_ / "intents.json").string()},
      scratch_ / "refused.log");
  EXPECT_NE(out.find("intents.json: intents[0].action: must be a non-empty string"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace viscera::testing
