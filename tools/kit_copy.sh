# Sourced by tools/check.sh and tools/busy_machine_check.sh: the copies of the kit that make check
# builds besides the kit itself, laid out like the kit and its build/.
#
#   kit_copy BUILD NAME                   copy the kit to BUILD/NAME/src; prints that path
#   configure_copy SRC [CMAKE_ARGS...]    configure the copy's build tree, SRC/build; prints its path
#   stack_mine_tree BUILD [CMAKE_ARGS...] the copy "stack-mine", in which every lab file is its
#                                         solution, configured with STACK=mine (each lab linking the
#                                         student's own earlier labs): a student who finished
#
# Why copies: ccache names a source and the include folder by their path relative to the build tree
# (CCACHE_BASEDIR). A tree at src/build sees every source at the same relative path as build/ does,
# so every object it compiles as the main build did (the test harness, the given files) comes from
# the cache, even the first time. A tree at build/x/ would see them at ../../ and miss every one.
# tar keeps the files' times, so an unchanged source is not rebuilt in a copy either.

kit_copy() {  # run from the kit's top folder
  local src="$1/$2/src"
  mkdir -p "$src"
  tar --exclude='./build*' --exclude="./$1" --exclude=./.git -cf - . | tar -xf - -C "$src" && echo "$src"
}

configure_copy() {
  cmake -S "$1" -B "$1/build" "${@:2}" >/dev/null && echo "$1/build"
}

stack_mine_tree() {
  local src lab
  src=$(kit_copy "$1" stack-mine) || return
  for lab in $(python3 tools/kit labs); do
    cp -p solutions/"$lab"/* "$src/$lab/" || return
  done
  configure_copy "$src" "${@:2}" -DKIT_STACK=mine -DKIT_VARIANTS=student
}
