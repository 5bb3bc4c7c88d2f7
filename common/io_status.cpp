#include "common/io_status.h"

#include <ostream>

namespace kit {

std::string_view to_string(IoStatus status) noexcept
{
    switch (status) {
        case IoStatus::Ok:
            return "Ok";
        case IoStatus::WouldBlock:
            return "WouldBlock";
        case IoStatus::Eof:
            return "Eof";
        case IoStatus::PeerGone:
            return "PeerGone";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& out, IoStatus status)
{
    return out << to_string(status);
}

std::ostream& operator<<(std::ostream& out, const IoResult& result)
{
    return out << '{' << result.status << ", " << result.bytes << '}';
}

void PrintTo(IoStatus status, std::ostream* out)
{
    *out << status;
}

void PrintTo(const IoResult& result, std::ostream* out)
{
    *out << result;
}

}  // namespace kit
