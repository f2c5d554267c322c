#include "io/atomic_folder.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "io/atomic_file.h"

namespace viscera {
namespace fs = std::filesystem;
namespace {}  // namespace

StagedFolder::StagedFolder(fs::path destination, fs::path staging)
    : destination_(std::move(destination)), staging_(std::move(staging)) {}

StagedFolder::StagedFolder(StagedFolder&& other) noexcept
    : destination_(std::move(other.destination_)),
      staging_(std::move(other.staging_)),
      published_(other.published_) {
  other.published_ = true;  // the moved-from object owns nothing
}

StagedFolder::~StagedFolder() {
  if (published_ || staging_.empty()) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

Expected<StagedFolder> StagedFolder::Create(const fs::path& destination) {
  fs::path dest = destination;
  if (dest.filename().empty()) dest = dest.parent_path();  // "out/" -> "out"
  std::error_code ec;
  if (fs::exists(dest, ec) && !fs::is_directory(dest, ec)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     dest.string() + ": output exists and is not a folder");
  }
  fs::path parent = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
  fs::create_directories(parent, ec);
  if (ec) {
    return MakeError(ErrorCode::kIoError,
                     parent.string() + ": cannot create output's parent folder: " + ec.message());
  }
  std::string hidden = ".";  // built step by step: GCC 12 warns falsely on a + chain here
  hidden += dest.filename().string();
  hidden += ".staging-";
  hidden += RandomHexTag(8);
  fs::path staging = parent / hidden;
  if (!fs::create_directory(staging, ec) || ec) {
    return MakeError(ErrorCode::kIoError, staging.string() + ": cannot create staging folder: " +
                                              (ec ? ec.message() : std::string("already exists")));
  }
  return StagedFolder(dest, staging);
}

Status StagedFolder::Publish() {
  VISCERA_CHECK(!published_, "StagedFolder published twice");
  std::error_code ec;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(staging_, ec)) {
    VISCERA_RETURN_IF_ERROR(SyncPath(e.path(), e.is_directory()));
  }
  if (ec) return MakeError(ErrorCode::kIoError, staging_.string() + ": " + ec.message());
  VISCERA_RETURN_IF_ERROR(SyncPath(staging_, true));
  bool exists = fs::exists(destination_, ec);
  if (!exists) {
    fs::rename(staging_, destination_, ec);
    if (ec) {
      return MakeError(ErrorCode::kIoError,
                       destination_.string() + ": cannot move outputs into place: " + ec.message());
    }
  } else {
    // Swap in one step so that a reader never sees a half-old, half-new folder.
    if (::syscall(SYS_renameat2, AT_FDCWD, staging_.c_str(), AT_FDCWD, destination_.c_str(),
                  RENAME_EXCHANGE) != 0) {
      return MakeError(
          ErrorCode::kIoError,
          destination_.string() + ": cannot exchange with new outputs: " + std::strerror(errno));
    }
    fs::remove_all(staging_, ec);  // now the old outputs; a leftover is harmless
  }
  published_ = true;
  fs::path parent = destination_.parent_path().empty() ? fs::path(".") : destination_.parent_path();
  return SyncPath(parent, true);
}

}  // namespace viscera
