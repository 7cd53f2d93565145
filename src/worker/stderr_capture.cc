#include "worker/stderr_capture.h"

#include <unistd.h>

namespace versus {

StderrCapture::StderrCapture() {
  std::fflush(stderr);
  file_ = std::tmpfile();
  if (!file_) return;  // no capture: the facts read from it are then reported as unknown
  saved_fd_ = ::dup(STDERR_FILENO);
  if (saved_fd_ < 0 || ::dup2(::fileno(file_), STDERR_FILENO) < 0) {
    if (saved_fd_ >= 0) ::close(saved_fd_);
    saved_fd_ = -1;
    std::fclose(file_);
    file_ = nullptr;
  }
}

StderrCapture::~StderrCapture() { finish(); }

const std::string& StderrCapture::finish() {
  if (saved_fd_ < 0) return text_;
  std::fflush(stderr);
  ::dup2(saved_fd_, STDERR_FILENO);
  ::close(saved_fd_);
  saved_fd_ = -1;
  std::rewind(file_);
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) text_.append(buf, n);
  std::fclose(file_);
  file_ = nullptr;
  std::fwrite(text_.data(), 1, text_.size(), stderr);
  return text_;
}

}  // namespace versus
