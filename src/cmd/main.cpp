// viscera: CT in, organs out. One executable, one subcommand per job.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "core/log.h"

int main(int argc, char** argv) {
  CLI::App app{"Viscera: CT in, organs out (DICOM, NIfTI, MetaImage)"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log debug details");
  app.add_flag("-q,--quiet", quiet, "Log only warnings and errors");
  int exit_code = 0;
  viscera::cmd::RegisterInfo(app, &exit_code);
  viscera::cmd::RegisterConvert(app, &exit_code);
  viscera::cmd::RegisterExport(app, &exit_code);
  viscera::cmd::RegisterSegment(app, &exit_code);
  viscera::cmd::RegisterRender(app, &exit_code);
  viscera::cmd::RegisterServe(app, &exit_code);
  app.parse_complete_callback([&] {
    viscera::SetLogLevel(verbose ? viscera::LogLevel::kDebug
                         : quiet ? viscera::LogLevel::kWarning
                                 : viscera::LogLevel::kInfo);
  });
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
