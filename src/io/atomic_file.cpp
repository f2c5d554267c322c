#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <vector>

namespace viscera {
namespace fs = std::filesystem;

std::string RandomHexTag(int digits) {
  std::random_device rd;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string tag;
  for (int n = 0; n < digits; ++n) tag += kDigits[rd() % 16];
  return tag;
}

fs::path TemporarySiblingPath(const fs::path& target) {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  std::string tag = std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                    std::to_string(rd() % 100000);
  return target.parent_path() / (".viscera-tmp-" + tag + "-" + target.filename().string());
}

Status SyncPath(const fs::path& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kIoError, path.string() + ": cannot open: " + std::strerror(errno));
  }
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) {
    return MakeError(ErrorCode::kIoError,
                     path.string() + ": fsync failed: " + std::strerror(saved));
  }
  return Ok{};
}

Status WriteAtomically(std::span<const PendingFile> files) {
  std::vector<fs::path> temps;
  auto discard = [&temps] {
    std::error_code ignored;
    for (const auto& t : temps) fs::remove(t, ignored);
  };
  for (const PendingFile& file : files) {
    fs::path parent = file.target.parent_path().empty() ? fs::path(".") : file.target.parent_path();
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) {
      discard();
      return MakeError(ErrorCode::kNotFound, file.target.string() + ": output folder " +
                                                 parent.string() + " does not exist");
    }
    temps.push_back(TemporarySiblingPath(file.target));
    Status written = file.write(temps.back());
    if (written) written = SyncPath(temps.back(), /*directory=*/false);
    if (!written) {
      discard();
      return written;
    }
  }
  for (size_t n = 0; n < files.size(); ++n) {
    std::error_code ec;
    fs::rename(temps[n], files[n].target, ec);
    if (ec) {
      discard();
      return MakeError(ErrorCode::kIoError, files[n].target.string() +
                                                ": cannot rename temporary file: " + ec.message());
    }
  }
  return Ok{};
}

Status WriteAtomically(const fs::path& target,
                       const std::function<Status(const fs::path&)>& write) {
  const PendingFile file{target, write};
  return WriteAtomically(std::span<const PendingFile>(&file, 1));
}

Status WriteFileAtomically(const fs::path& target, const std::string& bytes) {
  return WriteAtomically(target, [&](const fs::path& temp) -> Status {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      return MakeError(ErrorCode::kIoError, target.string() + ": write failed (disk full?)");
    }
    return Ok{};
  });
}

Expected<std::string> ReadWholeFile(const fs::path& path, int64_t max_bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kNotFound, path.string() + ": no such file");
  }
  auto size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) return MakeError(ErrorCode::kIoError, path.string() + ": " + ec.message());
  if (size > max_bytes) {
    return MakeError(ErrorCode::kTooLarge, path.string() + ": " + std::to_string(size) +
                                               " bytes is over the limit of " +
                                               std::to_string(max_bytes));
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(bytes.data(), size);
  if (!in) return MakeError(ErrorCode::kIoError, path.string() + ": read failed");
  return bytes;
}

}  // namespace viscera
