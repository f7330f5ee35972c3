// Where compiled units outlive the process. The JIT asks it for a unit's object before it
// optimizes the unit, and gives it every unit it compiles; the run command composes it with
// the code cache (src/cache), so that the JIT knows nothing of files.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace bf::jit {

struct CompileRequest;
struct CompileResult;

// What shaped a unit's code, hashed: the prepared module (its functions, the callees copied in,
// the profile as !prof, the host CPU named on every function, the tier) and the environment
// (BareFlow's build, LLVM's version, the triple, CPU and features, the knobs that shape code).
struct UnitKey {
  std::array<uint8_t, 32> digest{};
  std::string hex() const;
};

class UnitCache {
 public:
  virtual ~UnitCache() = default;
  // The object stored under `key`, intact, or false (any damage is a miss).
  virtual bool find(const UnitKey& key, std::string& object) = 0;
  // A unit that was just compiled and linked.
  virtual void store(const UnitKey& key, const CompileRequest& request, const CompileResult& result,
                     const std::string& object) = 0;
};

}  // namespace bf::jit
