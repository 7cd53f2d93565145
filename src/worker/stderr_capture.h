// Reads what a framework logs to stderr while it runs, for the few facts it states only there
// (TensorFlow's "Compiled cluster using XLA!"). Everything captured is passed on to the real
// stderr when the capture ends, so nothing the framework said is lost.
#pragma once
#include <cstdio>
#include <string>

namespace versus {

class StderrCapture {
 public:
  StderrCapture();  // stderr (fd 2) now goes to an unlinked temporary file
  ~StderrCapture();
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  // Ends the capture (once): restores stderr, copies the text to it and returns the text.
  const std::string& finish();
  bool active() const { return saved_fd_ >= 0; }

 private:
  int saved_fd_ = -1;
  std::FILE* file_ = nullptr;
  std::string text_;
};

}  // namespace versus
