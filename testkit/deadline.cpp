#include "testkit/deadline.h"

#include <cstdlib>
#include <string>
#include <thread>

namespace testkit {

double timeout_scale()
{
    static const double scale = [] {
        const char* text = std::getenv("TIMEOUT_SCALE");
        if (text == nullptr || *text == '\0') return 1.0;
        try {
            const double value = std::stod(text);
            return value < 1.0 ? 1.0 : value;
        } catch (const std::exception&) {
            return 1.0;
        }
    }();
    return scale;
}

Duration scaled(Duration base)
{
    return Duration(
        static_cast<Duration::rep>(static_cast<double>(base.count()) * timeout_scale()));
}

Deadline::Deadline(Duration budget) : budget_(scaled(budget)), end_(Clock::now() + budget_) {}

Duration Deadline::remaining() const
{
    const auto left = std::chrono::ceil<Duration>(end_ - Clock::now());
    return left.count() > 0 ? left : Duration(0);
}

int Deadline::poll_timeout_ms() const
{
    return static_cast<int>(remaining().count());
}

bool eventually(const std::function<bool()>& condition, Duration timeout, Duration interval)
{
    const Deadline deadline(timeout);
    while (true) {
        if (condition()) return true;
        if (deadline.expired()) return false;
        std::this_thread::sleep_for(
            std::min(interval, deadline.remaining()));  // ok: no event exists
    }
}

}  // namespace testkit
