# neuroloupe_add_plugin(TARGET [SOURCES] src… [MANIFEST manifest.json]
#                       [OUTPUT_DIR dir] [INSTALL_DIR dir] [NO_INSTALL])
#
# Builds a NeuroLoupe analysis plugin: a MODULE library named
# libnlplugin_<TARGET>.so (the loader takes every shared library in a plugin
# folder; the prefix keeps ours recognisable), with AUTOMOC so that
# Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json") embeds the
# manifest, linked against the plugin API.
#
# MANIFEST (recommended): the manifest the sources name in Q_PLUGIN_METADATA.
# It is checked to be a JSON object with an "id" at configure time, moc finds
# it even when it is not beside the source, and editing it rebuilds the plugin.
# The loader validates it against the manifest schema when it lists plugins.
#
# Used by the NeuroLoupe build itself and by NeuroLoupeConfig.cmake
# (find_package(NeuroLoupe)); these variables, set before the call, give defaults:
#   NEUROLOUPE_PLUGIN_OUTPUT_DIR     default OUTPUT_DIR (default: the current binary dir)
#   NEUROLOUPE_PLUGIN_INSTALL_DIR    default INSTALL_DIR (default: none, not installed)
function(neuroloupe_add_plugin target)
  cmake_parse_arguments(ARG "NO_INSTALL" "MANIFEST;OUTPUT_DIR;INSTALL_DIR" "SOURCES" ${ARGN})
  set(sources ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  if(NOT sources)
    message(FATAL_ERROR "neuroloupe_add_plugin(${target}): no SOURCES")
  endif()
  add_library(${target} MODULE ${sources})
  set_target_properties(${target} PROPERTIES AUTOMOC ON PREFIX "libnlplugin_"
    CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON CXX_VISIBILITY_PRESET default)

  if(ARG_MANIFEST)
    get_filename_component(manifest "${ARG_MANIFEST}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT EXISTS "${manifest}")
      message(FATAL_ERROR "neuroloupe_add_plugin(${target}): MANIFEST ${manifest} does not exist")
    endif()
    file(READ "${manifest}" manifest_text)
    string(JSON manifest_id ERROR_VARIABLE manifest_error GET "${manifest_text}" id)
    if(manifest_error)
      message(FATAL_ERROR "neuroloupe_add_plugin(${target}): ${manifest}: ${manifest_error}")
    endif()
    get_filename_component(manifest_dir "${manifest}" DIRECTORY)
    set_property(TARGET ${target} APPEND PROPERTY AUTOMOC_MOC_OPTIONS "-I${manifest_dir}")
    set_property(TARGET ${target} APPEND PROPERTY AUTOMOC_DEPEND_FILTERS
                 "Q_PLUGIN_METADATA" "[\"]([^\"]+[.]json)[\"]")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest}")
    target_sources(${target} PRIVATE "${manifest}")
  endif()

  set(output_dir "${ARG_OUTPUT_DIR}")
  if(NOT output_dir AND NEUROLOUPE_PLUGIN_OUTPUT_DIR)
    set(output_dir "${NEUROLOUPE_PLUGIN_OUTPUT_DIR}")
  endif()
  if(output_dir)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${output_dir}")
  endif()
  # The built-in plugins, for suites that load any of them (tests/gui).
  if(NEUROLOUPE_BUILD_PLUGIN_DIR AND output_dir STREQUAL NEUROLOUPE_BUILD_PLUGIN_DIR)
    set_property(GLOBAL APPEND PROPERTY NEUROLOUPE_BUILTIN_PLUGIN_TARGETS ${target})
  endif()

  # The plugin API (in the NeuroLoupe build, an alias of neuroloupe_plugins).
  target_link_libraries(${target} PRIVATE NeuroLoupe::plugins)
  if(COMMAND neuroloupe_set_warnings)
    neuroloupe_set_warnings(${target})
  endif()

  set(install_dir "${ARG_INSTALL_DIR}")
  if(NOT install_dir AND NEUROLOUPE_PLUGIN_INSTALL_DIR)
    set(install_dir "${NEUROLOUPE_PLUGIN_INSTALL_DIR}")
  endif()
  if(install_dir AND NOT ARG_NO_INSTALL)
    # Installed plugins sit in <libdir>/neuroloupe/plugins, one level below the
    # libraries they link.
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/..")
    install(TARGETS ${target} LIBRARY DESTINATION "${install_dir}")
  endif()
endfunction()
