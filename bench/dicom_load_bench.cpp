// Loading the 275-slice LIDC CT series into a HounsfieldVolume, stage by stage and end to end.
// The pydicom peer runs in bench/dicom_load_vs_pydicom.py, which runs this binary beside it.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "core/log.h"
#include "io/dicom/ct_loader.h"

namespace {

std::filesystem::path SeriesFolder() {
  const char* env = std::getenv("VISCERA_BENCH_DICOM");
  return env ? env : VISCERA_SHARED_DATA_DIR "/lidc-idri-0314-chest/dicom";
}

void BM_ScanHeaders(benchmark::State& state) {
  for (auto _ : state) {
    auto scan = viscera::ScanDicomFolder(SeriesFolder());
    if (!scan) state.SkipWithError(scan.error().ToString().c_str());
    benchmark::DoNotOptimize(scan);
  }
}

void BM_DecodeHounsfield(benchmark::State& state) {
  auto scan = viscera::ScanDicomFolder(SeriesFolder());
  if (!scan || scan->series.empty()) {
    state.SkipWithError("no series");
    return;
  }
  auto layout = viscera::ComputeSeriesLayout(scan->series.front());
  if (!layout) {
    state.SkipWithError(layout.error().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    int64_t clamped = 0;
    auto volume = viscera::DecodeHounsfield(*layout, {}, &clamped);
    benchmark::DoNotOptimize(volume);
  }
}

void BM_LoadCtSeries(benchmark::State& state) {
  for (auto _ : state) {
    auto loaded = viscera::LoadCtSeries(SeriesFolder());
    if (!loaded) state.SkipWithError(loaded.error().ToString().c_str());
    benchmark::DoNotOptimize(loaded);
  }
  state.SetItemsProcessed(state.iterations() * 275);
}

}  // namespace

BENCHMARK(BM_ScanHeaders)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DecodeHounsfield)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LoadCtSeries)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  viscera::SetLogLevel(viscera::LogLevel::kWarning);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
