// One writer per results folder: a suite run (new or resumed) holds an exclusive lock on
// <folder>/.versus.lock for its lifetime, with its pid written inside, so a second `versus run
// --resume` of the same folder is refused naming who holds it, never two writers. The lock is the
// kernel's (flock): a holder killed with -9 releases it.
#pragma once
#include <filesystem>

namespace versus {

class FolderLock {
 public:
  // Throws UserError "<folder> is in use by another versus (pid N): ..." when someone holds it.
  static FolderLock acquire(const std::filesystem::path& folder);
  FolderLock(FolderLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FolderLock& operator=(FolderLock&&) = delete;
  FolderLock(const FolderLock&) = delete;
  ~FolderLock();

  static constexpr const char* kFileName = ".versus.lock";

 private:
  explicit FolderLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace versus
