// C++ exceptions through interpreted code. The program's throw, catch and rethrow are the C++
// runtime's own (__cxa_throw, __cxa_begin_catch, ... are host imports), and the unwinder is
// the native one, so exceptions cross interpreted, compiled and host frames alike. What tier 0
// adds is the personality routine of its invoke frames (bf_vm_invoke, invoke.S): it matches the
// exception against the interpreted landing pad's clauses as __gxx_personality_v0 matches a
// compiled one's, and lands the exception there.
#include <unwind.h>

#include <cstddef>
#include <cstring>
#include <typeinfo>

#include "vm/machine.h"

extern "C" char bf_vm_invoke_landing[];

namespace bf::vm {

namespace {

// The C++ runtime's exception header (the Itanium C++ ABI's __cxa_exception as libsupc++ lays
// it out on x86-64), just before the thrown object; the unwinder's header is its last field.
struct CxaException {
  const std::type_info* exception_type;
  void (*exception_destructor)(void*);
  void (*unexpected_handler)();
  void (*terminate_handler)();
  CxaException* next_exception;
  int handler_count;
  int handler_switch_value;
  const unsigned char* action_record;
  const unsigned char* language_specific_data;
  _Unwind_Ptr catch_temp;
  void* adjusted_ptr;
  _Unwind_Exception unwind_header;
};
static_assert(offsetof(CxaException, adjusted_ptr) == 72 && offsetof(CxaException, unwind_header) == 80);

constexpr uint64_t kGnuCxx = 0x474e5543432b2b00;           // "GNUCC++\0": thrown here
constexpr uint64_t kGnuCxxDependent = 0x474e5543432b2b01;  // "GNUCC++\1": std::rethrow_exception

CxaException* header_of(_Unwind_Exception* ue) { return reinterpret_cast<CxaException*>(ue + 1) - 1; }

// The thrown object and its type, or false for a foreign exception.
bool thrown(uint64_t exception_class, _Unwind_Exception* ue, void*& object, const std::type_info*& type) {
  if (exception_class != kGnuCxx && exception_class != kGnuCxxDependent) return false;
  // A dependent exception's first field is its primary exception's object.
  object = exception_class == kGnuCxx ? static_cast<void*>(ue + 1) : *reinterpret_cast<void**>(header_of(ue));
  type = (static_cast<CxaException*>(object) - 1)->exception_type;
  return true;
}

// Whether catch type `catch_type` (null: catch (...)) takes the exception; `adjusted` is the
// object as the handler sees it (a base class subobject, the pointee of a thrown pointer).
bool catches(const std::type_info* catch_type, bool cxx, void* object, const std::type_info* type, void*& adjusted) {
  if (!catch_type) {
    adjusted = object;
    return true;
  }
  if (!cxx) return false;
  void* p = object;
  if (type->__is_pointer_p()) p = *static_cast<void**>(p);
  if (!catch_type->__do_catch(type, &p, 1)) return false;
  adjusted = p;
  return true;
}

// The clause of `pad` that handles the exception (a catch that takes it, or a filter it
// violates), with the landing pad's selector and the adjusted object.
bool handler_of(const LandingPad& pad, uint64_t exception_class, _Unwind_Exception* ue, int64_t& selector,
                void*& adjusted) {
  void* object = nullptr;
  const std::type_info* type = nullptr;
  bool cxx = thrown(exception_class, ue, object, type);
  for (const LandingPad::Clause& c : pad.clauses) {
    if (!c.filter) {
      if (catches(static_cast<const std::type_info*>(c.types[0]), cxx, object, type, adjusted)) {
        selector = c.selector;
        return true;
      }
      continue;
    }
    bool allowed = false;
    for (const void* t : c.types) {
      void* ignored;
      allowed |= catches(static_cast<const std::type_info*>(t), cxx, object, type, ignored);
    }
    if (!allowed) {
      selector = c.selector;
      adjusted = object;
      return true;
    }
  }
  return false;
}

}  // namespace

int64_t Machine::type_id(const void* type_info) {
  std::lock_guard<std::mutex> lock(type_ids_mutex);
  auto [it, inserted] = type_ids.try_emplace(type_info, int64_t(type_ids.size()) + 1);
  return it->second;
}

void resume_unwind(void* exception) {
  _Unwind_Resume(static_cast<_Unwind_Exception*>(exception));
  abort();  // not reached: _Unwind_Resume does not return
}

}  // namespace bf::vm

// The personality routine of bf_vm_invoke's frame (invoke.S): rbx holds its Landing.
extern "C" _Unwind_Reason_Code bf_vm_personality(int version, _Unwind_Action actions, uint64_t exception_class,
                                                 _Unwind_Exception* ue, _Unwind_Context* context) {
  using namespace bf::vm;
  if (version != 1) return _URC_FATAL_PHASE1_ERROR;
  auto* landing = reinterpret_cast<Landing*>(_Unwind_GetGR(context, 3));
  const LandingPad& pad = *landing->pad;
  int64_t selector = 0;
  void* adjusted = nullptr;
  bool forced = actions & _UA_FORCE_UNWIND;
  bool handler = !forced && handler_of(pad, exception_class, ue, selector, adjusted);
  bool cxx = exception_class == kGnuCxx || exception_class == kGnuCxxDependent;
  if (actions & _UA_SEARCH_PHASE) {
    if (!handler) return _URC_CONTINUE_UNWIND;
    if (cxx) header_of(ue)->adjusted_ptr = adjusted;  // what __cxa_begin_catch returns
    return _URC_HANDLER_FOUND;
  }
  if (actions & _UA_HANDLER_FRAME) {
    if (cxx) header_of(ue)->adjusted_ptr = adjusted;
  } else if (pad.cleanup) {
    selector = 0;  // not the handler: run the cleanup, whose `resume` goes on unwinding
  } else {
    return _URC_CONTINUE_UNWIND;
  }
  landing->exception = ue;
  landing->selector = selector;
  _Unwind_SetIP(context, reinterpret_cast<uintptr_t>(bf_vm_invoke_landing));
  return _URC_INSTALL_CONTEXT;
}
