#include "datasets/zip_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "io/atomic_file.h"

namespace viscera {
namespace fs = std::filesystem;
namespace {

constexpr size_t kChunkBytes = size_t{1} << 16;  // entries stream through one 64 KiB buffer

std::string ZipErrorText(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }  // read-only: nothing to save
};
using ZipHandle = std::unique_ptr<zip_t, ZipCloser>;

struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// The entry's path relative to the destination, or an error for a name that could escape it.
// Empty and "." components are dropped ("a//./b" is "a/b"); an empty result is an entry to skip.
Expected<fs::path> SafeRelativePath(const std::string& name, const std::string& where) {
  auto refuse = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, where + ": refused entry: " + why);
  };
  if (name.empty()) return refuse("empty name");
  if (name.size() > 4096) return refuse("name longer than 4096 characters");
  if (name.front() == '/') return refuse("absolute path");
  // A backslash is a separator on Windows: "..\\x" would escape there, so no such names here.
  if (name.find('\\') != std::string::npos) return refuse("backslash in name");
  fs::path out;
  size_t begin = 0;
  while (begin <= name.size()) {
    size_t end = name.find('/', begin);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(begin, end - begin);
    if (part == "..") return refuse("'..' in path");
    if (!part.empty() && part != ".") out /= part;
    begin = end + 1;
  }
  return out;
}

bool IsSymlinkEntry(zip_t* archive, zip_uint64_t index) {
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(archive, index, 0, &opsys, &attributes) != 0) return false;
  // Unix zips keep st_mode in the high 16 bits of the external attributes.
  return opsys == ZIP_OPSYS_UNIX && ((attributes >> 16) & S_IFMT) == S_IFLNK;
}

struct PlannedEntry {
  zip_uint64_t index = 0;
  std::string name;
  fs::path relative;
  bool directory = false;
};

Status WriteEntry(zip_t* archive, const PlannedEntry& entry, const fs::path& target,
                  const std::string& where, int64_t& total, int64_t max_total) {
  std::unique_ptr<zip_file_t, ZipFileCloser> in(zip_fopen_index(archive, entry.index, 0));
  if (!in) {
    return MakeError(ErrorCode::kCorruptData,
                     where + ": cannot read entry: " + std::string(zip_strerror(archive)));
  }
  // O_EXCL | O_NOFOLLOW: never write through a link or over an earlier entry of the same name.
  FdCloser out{::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)};
  if (out.fd < 0) {
    if (errno == EEXIST) {
      return MakeError(ErrorCode::kInvalidArgument, where + ": refused entry: duplicate name");
    }
    return MakeError(ErrorCode::kIoError,
                     where + ": cannot create " + target.string() + ": " + std::strerror(errno));
  }
  std::vector<char> buffer(kChunkBytes);
  while (true) {
    zip_int64_t n = zip_fread(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      return MakeError(ErrorCode::kCorruptData,
                       where + ": damaged entry data: " + std::string(zip_file_strerror(in.get())));
    }
    if (n == 0) break;
    total += n;
    if (total > max_total) {
      return MakeError(ErrorCode::kTooLarge,
                       where + ": archive expands beyond " + std::to_string(max_total) + " bytes");
    }
    const char* p = buffer.data();
    size_t left = static_cast<size_t>(n);
    while (left > 0) {
      ssize_t written = ::write(out.fd, p, left);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) {
        return MakeError(ErrorCode::kIoError,
                         where + ": cannot write " + target.string() + ": " + std::strerror(errno));
      }
      p += written;
      left -= static_cast<size_t>(written);
    }
  }
  // zip_fclose reports a CRC mismatch found at the end of the data.
  int rc = zip_fclose(in.release());
  if (rc != 0) {
    return MakeError(ErrorCode::kCorruptData, where + ": damaged entry: " + ZipErrorText(rc));
  }
  if (::close(out.fd) != 0) {
    out.fd = -1;
    return MakeError(ErrorCode::kIoError, where + ": cannot write " + target.string());
  }
  out.fd = -1;
  return Ok{};
}

}  // namespace

Status ExtractZipSafely(const fs::path& zip, const fs::path& dest_dir) {
  return ExtractZipSafely(zip, dest_dir, ZipLimits{});
}

Status ExtractZipSafely(const fs::path& zip, const fs::path& dest_dir, const ZipLimits& limits) {
  const std::string name = zip.string();
  int open_error = 0;
  ZipHandle archive(zip_open(zip.c_str(), ZIP_RDONLY, &open_error));
  if (!archive) {
    ErrorCode code = open_error == ZIP_ER_NOENT ? ErrorCode::kNotFound
                     : open_error == ZIP_ER_OPEN || open_error == ZIP_ER_READ
                         ? ErrorCode::kIoError
                         : ErrorCode::kCorruptData;
    return MakeError(code, name + ": not a readable zip archive: " + ZipErrorText(open_error));
  }
  zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  if (count < 0) return MakeError(ErrorCode::kCorruptData, name + ": cannot count entries");
  if (count > limits.max_entries) {
    return MakeError(ErrorCode::kTooLarge, name + ": " + std::to_string(count) +
                                               " entries, more than the " +
                                               std::to_string(limits.max_entries) + " allowed");
  }

  // Every entry is checked before anything is written, so a refused archive leaves no output.
  std::vector<PlannedEntry> plan;
  int64_t declared_total = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    auto index = static_cast<zip_uint64_t>(i);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive.get(), index, 0, &st) != 0 || (st.valid & ZIP_STAT_NAME) == 0) {
      return MakeError(ErrorCode::kCorruptData,
                       name + ": entry " + std::to_string(i) + ": unreadable directory record");
    }
    PlannedEntry entry{index, st.name, {}, false};
    const std::string where = name + ": entry '" + entry.name + "'";
    VISCERA_ASSIGN_OR_RETURN(entry.relative, SafeRelativePath(entry.name, where));
    if (IsSymlinkEntry(archive.get(), index)) {
      return MakeError(ErrorCode::kInvalidArgument, where + ": refused entry: symbolic link");
    }
    if (entry.relative.empty()) continue;
    entry.directory = entry.name.back() == '/';
    if (!entry.directory && (st.valid & ZIP_STAT_SIZE) != 0) {
      if (st.size > static_cast<zip_uint64_t>(limits.max_total_bytes) ||
          declared_total + static_cast<int64_t>(st.size) > limits.max_total_bytes) {
        return MakeError(ErrorCode::kTooLarge, where + ": archive expands beyond " +
                                                   std::to_string(limits.max_total_bytes) +
                                                   " bytes");
      }
      declared_total += static_cast<int64_t>(st.size);
    }
    plan.push_back(std::move(entry));
  }

  int64_t total = 0;
  for (const PlannedEntry& entry : plan) {
    const std::string where = name + ": entry '" + entry.name + "'";
    fs::path target = dest_dir / entry.relative;
    fs::path folder = entry.directory ? target : target.parent_path();
    std::error_code ec;
    fs::create_directories(folder, ec);
    // A folder must be a real one: a file entry "a" followed by "a/b" does not write through "a".
    if (ec || fs::is_symlink(folder) || !fs::is_directory(folder)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       where + ": cannot create its folder" + (ec ? ": " + ec.message() : ""));
    }
    if (entry.directory) continue;
    VISCERA_RETURN_IF_ERROR(
        WriteEntry(archive.get(), entry, target, where, total, limits.max_total_bytes));
  }
  return Ok{};
}

Status WriteZip(const fs::path& src_dir, const fs::path& zip_file) {
  std::error_code ec;
  if (!fs::is_directory(src_dir, ec)) {
    return MakeError(ErrorCode::kNotFound, src_dir.string() + ": no such folder");
  }
  std::vector<std::pair<fs::path, std::string>> files;  // (file, name in the zip)
  fs::recursive_directory_iterator it(src_dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& e = *it;
    const std::string leaf = e.path().filename().string();
    if (!leaf.empty() && leaf.front() == '.') {  // staging and temporary files of writers
      if (e.is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (e.is_symlink() || !e.is_regular_file()) continue;
    files.emplace_back(e.path(), e.path().lexically_relative(src_dir).generic_string());
  }
  if (ec) return MakeError(ErrorCode::kIoError, src_dir.string() + ": " + ec.message());
  if (files.empty()) {  // libzip writes no file at all for an empty archive
    return MakeError(ErrorCode::kNotFound, src_dir.string() + ": no files to zip");
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });

  return WriteAtomically(zip_file, [&](const fs::path& temp) -> Status {
    int error = 0;
    zip_t* archive = zip_open(temp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (archive == nullptr) {
      return MakeError(ErrorCode::kIoError,
                       zip_file.string() + ": cannot create zip: " + ZipErrorText(error));
    }
    for (const auto& [path, entry_name] : files) {
      // zip_source_file reads the file only at zip_close: files stream, never sit in memory.
      zip_source_t* source = zip_source_file(archive, path.c_str(), 0, 0);
      if (source == nullptr ||
          zip_file_add(archive, entry_name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
        std::string why = zip_strerror(archive);
        if (source != nullptr) zip_source_free(source);
        zip_discard(archive);
        return MakeError(ErrorCode::kIoError,
                         zip_file.string() + ": cannot add " + path.string() + ": " + why);
      }
    }
    if (zip_close(archive) != 0) {
      std::string why = zip_strerror(archive);
      zip_discard(archive);
      return MakeError(ErrorCode::kIoError, zip_file.string() + ": cannot write zip: " + why);
    }
    return Ok{};
  });
}

}  // namespace viscera
