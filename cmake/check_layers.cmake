# Fails when a source includes a header of a layer above its own, or when an I/O-free layer
# includes Asio, Beast or hiredis. Invoked by the build (target check_layers) with -DROOT=...
# -DSTAMP=... ; the order below is the order of docs/architecture.md's picture, lowest first.
set(LAYERS protocol hub/core hub/net hub/redis hub/store hub/fanout hub/webhook hub/session hub/http hub/app)
# What each layer that is not a folder of the hub may include at most.
set(CLI_MAY_INCLUDE_UP_TO hub/core)
# Layers that do no I/O: no Asio, Beast or hiredis header (but Asio's coroutine completion tokens,
# which name no I/O object: hub/core/no_throw.hpp).
set(IO_FREE_LAYERS protocol hub/core)

function(layer_rank path out)
  set(rank -1)
  set(index 0)
  foreach(layer IN LISTS LAYERS)
    if(path MATCHES "^${layer}/")
      set(rank ${index})
    endif()
    math(EXPR index "${index} + 1")
  endforeach()
  set(${out} ${rank} PARENT_SCOPE)
endfunction()

list(FIND LAYERS ${CLI_MAY_INCLUDE_UP_TO} CLI_RANK)
file(GLOB_RECURSE sources RELATIVE ${ROOT}
  ${ROOT}/protocol/*.cpp ${ROOT}/protocol/*.hpp
  ${ROOT}/hub/*.cpp ${ROOT}/hub/*.hpp
  ${ROOT}/cli/*.cpp ${ROOT}/cli/*.hpp)
set(violations "")
foreach(source IN LISTS sources)
  if(source MATCHES "^cli/")
    set(own_rank ${CLI_RANK})
    set(own_layer cli)
  else()
    layer_rank(${source} own_rank)
    if(own_rank EQUAL -1)
      continue()  # hub/boost_impl.cpp: the compiled Asio and Beast, below every layer
    endif()
    list(GET LAYERS ${own_rank} own_layer)
  endif()
  file(STRINGS ${ROOT}/${source} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">].*$" "\\1" header "${line}")
    layer_rank(${header} header_rank)
    if(header_rank GREATER own_rank)
      list(GET LAYERS ${header_rank} header_layer)
      string(APPEND violations "  ${source} includes ${header}: ${own_layer} is below ${header_layer}\n")
    endif()
    list(FIND IO_FREE_LAYERS ${own_layer} io_free)
    if(io_free GREATER -1 AND header MATCHES "^(boost/asio|boost/beast|hiredis/)" AND NOT header MATCHES "^boost/asio/(as_tuple|use_awaitable)\\.hpp$")
      string(APPEND violations "  ${source} includes ${header}: ${own_layer} does no I/O\n")
    endif()
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "Includes that run back up a layer (see docs/architecture.md):\n${violations}")
endif()
file(WRITE ${STAMP} "ok\n")
