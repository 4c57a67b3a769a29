#include "tools/DriverSupport.h"

#include "frontend/Loader.h"
#include "frontend/TypeChecker.h"
#include "ir/Diagnostics.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace brisk {

std::optional<InputText> readInput(const std::string &path) {
  bool fromStdin = path.empty() || path == "-";
  InputText in{fromStdin ? "<stdin>" : path, {}};
  FILE *f = fromStdin ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) {
    std::cerr << "error: cannot open " << path << ": " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  // A regular file's size is known: one allocation instead of a doubling
  // buffer's copies (a program of a million instructions is 25 MB of text).
  struct stat st;
  if (::fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
      size_t(st.st_size) <= kMaxInputBytes)
    in.text.reserve(size_t(st.st_size));
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (in.text.size() + n > kMaxInputBytes) {
      std::cerr << "error: " << in.name << ": input larger than " << (kMaxInputBytes >> 20)
                << " MiB\n";
      if (!fromStdin)
        std::fclose(f);
      return std::nullopt;
    }
    in.text.append(buf, n);
  }
  bool failed = std::ferror(f);
  if (!fromStdin)
    std::fclose(f);
  if (failed) {
    std::cerr << "error: cannot read " << in.name << "\n";
    return std::nullopt;
  }
  return in;
}

bool refuseBlankInput(const InputText &in) {
  if (in.text.find_first_not_of(" \t\r\n") != std::string::npos)
    return false;
  if (in.name == "<stdin>")
    std::cerr << "error: no program on stdin (give a file, or pipe a program in)\n";
  else
    std::cerr << "error: " << in.name << ": empty file, no program\n";
  return true;
}

void keepUntilExit(std::optional<Program> &program) {
  static std::vector<Program *> *kept = new std::vector<Program *>;
  if (program)
    kept->push_back(new Program(std::move(*program)));
  program.reset();
}

std::optional<Program> loadInputProgram(const std::string &path, bool check,
                                        bool allowEmpty) {
  auto in = readInput(path);
  if (!in)
    return std::nullopt;
  if (!allowEmpty && refuseBlankInput(*in))
    return std::nullopt;
  Diagnostics diags(in->name);
  std::optional<Program> program = loadProgram(in->text, diags);
  if (program && check)
    typeCheck(*program, diags);
  if (diags.hasErrors()) {
    diags.print(std::cerr);
    return std::nullopt;
  }
  return program;
}

namespace {

bool reportWriteError(const std::string &path, int err) {
  std::cerr << "error: cannot write " << path << ": " << std::strerror(err) << "\n";
  return false;
}

// Writes all of `content` to `fd`; returns 0 or the errno of the failure.
int writeAll(int fd, std::string_view content) {
  const char *p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    p += n;
    left -= size_t(n);
  }
  return 0;
}

// Hands what `produce` makes to `fd`; returns 0 or the errno of the first
// failed write (after which `produce` is told to stop).
int writeAllProduced(int fd, const OutputProducer &produce) {
  int err = 0;
  produce([&](std::string_view chunk) {
    err = writeAll(fd, chunk);
    return err == 0;
  });
  return err;
}

// Set once a failed write to stdout has been reported, so that the final
// check in main does not report it twice.
bool stdoutErrorReported = false;

bool writeStream(std::ostream &os, const std::string &name, const OutputProducer &produce) {
  int err = 0;
  produce([&](std::string_view chunk) {
    errno = 0;
    os.write(chunk.data(), std::streamsize(chunk.size()));
    if (!os)
      err = errno;
    return bool(os);
  });
  if (os) {
    errno = 0;
    os.flush();
    err = errno;
  }
  if (os)
    return true;
  if (&os == &std::cout)
    stdoutErrorReported = true;
  std::cerr << "error: cannot write to " << name;
  if (err != 0)
    std::cerr << ": " << std::strerror(err);
  std::cerr << "\n";
  return false;
}

// The file a chain of symlinks ends at (which need not exist yet), or
// nullopt after reporting a loop or an unreadable link.
std::optional<std::string> followSymlinks(const std::string &path) {
  std::string cur = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st;
    if (::lstat(cur.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
      return cur;
    std::string target(size_t(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
    ssize_t n = ::readlink(cur.c_str(), target.data(), target.size());
    if (n < 0) {
      reportWriteError(path, errno);
      return std::nullopt;
    }
    target.resize(size_t(n));
    if (target.empty() || target[0] != '/') {
      size_t slash = cur.rfind('/');
      target = (slash == std::string::npos ? std::string() : cur.substr(0, slash + 1)) + target;
    }
    cur = target;
  }
  reportWriteError(path, ELOOP);
  return std::nullopt;
}

// Opens an existing non-regular file (FIFO, device, /proc fd link) and writes
// to it as it is.
bool writeDirectly(const std::string &path, const OutputProducer &produce, bool truncate) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | (truncate ? O_TRUNC : 0));
  if (fd < 0)
    return reportWriteError(path, errno);
  int err = writeAllProduced(fd, produce);
  if (::close(fd) != 0 && err == 0)
    err = errno;
  return err == 0 ? true : reportWriteError(path, err);
}

// Writes a temporary file beside `target` and renames it over `target`,
// keeping the mode of the file it replaces (or the umask's default).
bool writeAtomically(const std::string &shownPath, const std::string &target,
                     const OutputProducer &produce) {
  std::string tmp = target + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    return reportWriteError(shownPath, errno);
  struct stat old;
  mode_t mode;
  if (::stat(target.c_str(), &old) == 0) {
    mode = old.st_mode & 07777;
  } else {
    mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  int err = ::fchmod(fd, mode) != 0 ? errno : 0;
  if (err == 0)
    err = writeAllProduced(fd, produce);
  if (::close(fd) != 0 && err == 0)
    err = errno;
  if (err == 0 && ::rename(tmp.c_str(), target.c_str()) != 0)
    err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return reportWriteError(shownPath, err);
  }
  return true;
}

} // namespace

bool writeOutputInChunks(const std::string &path, const OutputProducer &produce) {
  if (path.empty() || path == "-" || path == "/dev/stdout")
    return writeStream(std::cout, "stdout", produce);
  if (path == "/dev/stderr")
    return writeStream(std::cerr, "stderr", produce);
  // /dev/fd/N and /proc/.../fd/N name an open file description of this
  // process: reopening is all one can do (resolving them gives names such as
  // "pipe:[123]", and renaming over the file would bypass the open one).
  if (path.rfind("/dev/fd/", 0) == 0 || path.rfind("/proc/", 0) == 0)
    return writeDirectly(path, produce, /*truncate=*/false);
  std::optional<std::string> target = followSymlinks(path);
  if (!target)
    return false;
  struct stat st;
  if (::stat(target->c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return reportWriteError(path, EISDIR);
    if (!S_ISREG(st.st_mode))
      return writeDirectly(*target, produce, /*truncate=*/false);
  } else if (errno != ENOENT) {
    return reportWriteError(path, errno);
  }
  return writeAtomically(path, *target, produce);
}

bool writeOutput(const std::string &path, const std::string &content) {
  return writeOutputInChunks(path, [&](const OutputSink &sink) { return sink(content); });
}

bool flushStdout() {
  errno = 0;
  std::cout.flush();
  int err = errno;
  bool failed = !std::cout;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    failed = true;
    if (err == 0)
      err = errno;
  }
  if (!failed || stdoutErrorReported)
    return !failed;
  stdoutErrorReported = true;
  std::cerr << "error: cannot write to stdout";
  if (err != 0)
    std::cerr << ": " << std::strerror(err);
  std::cerr << "\n";
  return false;
}

} // namespace brisk
