#include "tools/fuzz/ChildProcess.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace brisk::fuzz {
namespace {

constexpr size_t kMaxStderr = 64 * 1024;

void writeAll(int fd, const std::string &s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    done += size_t(n);
  }
}

} // namespace

ChildResult runInChild(const std::function<std::string()> &work, unsigned timeoutMs,
                       size_t memoryLimitBytes) {
  ChildResult result;
  int out[2], err[2];
  if (::pipe(out) != 0)
    return result;
  if (::pipe(err) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return result;
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {out[0], out[1], err[0], err[1]})
      ::close(fd);
    result.stderrText = "fork failed";
    return result;
  }
  if (pid == 0) {
    // A child outlives a killed parent otherwise, and a child in an endless
    // loop then runs forever.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::close(out[0]);
    ::close(err[0]);
    ::dup2(err[1], STDERR_FILENO);
    ::close(err[1]);
    if (memoryLimitBytes) {
      rlimit lim{memoryLimitBytes, memoryLimitBytes};
      ::setrlimit(RLIMIT_AS, &lim);
    }
    std::string payload = work();
    writeAll(out[1], payload);
    ::close(out[1]);
    std::cerr.flush();
    // No destructors of the parent's objects, no atexit handlers twice.
    ::_exit(0);
  }
  ::close(out[1]);
  ::close(err[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  bool timedOut = false;
  char buf[65536];
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timedOut = true;
      break;
    }
    int r = ::poll(fds, 2, int(left));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        std::string &dst = i == 0 ? result.payload : result.stderrText;
        if (i == 0 || dst.size() < kMaxStderr)
          dst.append(buf, size_t(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  if (timedOut)
    ::kill(pid, SIGKILL);
  for (pollfd &p : fds)
    if (p.fd >= 0)
      ::close(p.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut)
    result.status = ChildResult::Status::TimedOut;
  else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    result.status = ChildResult::Status::Finished;
  else {
    result.status = ChildResult::Status::Crashed;
    result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return result;
}

} // namespace brisk::fuzz
