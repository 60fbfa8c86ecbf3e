# Fails if the generator library calls a libm transcendental function: their last bits
# differ between libm versions, which would break bit-identical bakes and fallbacks.
# Usage: cmake -DLIB=path/to/libtp_generator.a -P check_no_transcendentals.cmake
execute_process(COMMAND nm -u ${LIB} OUTPUT_VARIABLE undefined RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
string(REGEX MATCHALL "[ \t]U[ \t]+(a?(sin|cos|tan)h?|atan2|exp2?|expm1|log(2|10|1p)?|pow|cbrt|hypot|erfc?|tgamma|lgamma)f?l?\n"
       found "${undefined}\n")
if(found)
  message(FATAL_ERROR "the generator calls libm transcendental functions:\n${found}")
endif()
message(STATUS "no libm transcendental calls in ${LIB}")
