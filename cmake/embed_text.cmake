# Generates a C++ source with one function returning a text file's contents.
# Usage: cmake -DINPUT=... -DOUTPUT=... -DNAMESPACE=... -DFUNCTION=... -P embed_text.cmake
file(READ "${INPUT}" text)
set(body "// Generated from ${INPUT} by cmake/embed_text.cmake. Do not edit.\n")
string(APPEND body "#include <string_view>\nnamespace ${NAMESPACE} {\n")
string(APPEND body "std::string_view ${FUNCTION}() {\n  return R\"patron_text(${text})patron_text\";\n}\n}\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
