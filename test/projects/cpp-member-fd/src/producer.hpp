// A C++ producer: the pipe is a member filled by the constructor.
#pragma once
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace zc {

class Producer {
public:
    Producer()
    {
        if (::pipe(fds_) < 0)
            std::abort();
    }
    ~Producer()
    {
        close(fds_[0]);
        close(fds_[1]);
    }
    bool gift_page();
    bool send_vector(const std::vector<char> &data);

private:
    int fds_[2];
};

} // namespace zc
