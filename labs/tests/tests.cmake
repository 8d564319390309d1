# The lab tests (label `labs`). Every lab image is built once per ctest run (the fixture
# labs.images); the graders then only check that it is up to date.
set(lab_tests ${CMAKE_CURRENT_SOURCE_DIR}/tests)
add_test(NAME labs.images
  COMMAND ${CMAKE_COMMAND} --build ${EL2LAB_TARGET_DIR} --target labs)
set_tests_properties(labs.images PROPERTIES LABELS labs TIMEOUT 900 FIXTURES_SETUP lab_images)

# Every lab's grader against its solution (full points) and its starter (less than full, no
# hang, no traceback, the TODOs named).
file(GLOB lab_configs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*/lab.json)
foreach(config IN LISTS lab_configs)
  file(READ ${config} json)
  string(JSON number GET ${json} number)
  foreach(kind solution starter)
    add_test(NAME labs.${number}.grade_${kind}
      COMMAND ${Python3_EXECUTABLE} ${lab_tests}/check_grader.py --lab ${number} --${kind}
              --build-dir ${CMAKE_BINARY_DIR})
    set_tests_properties(labs.${number}.grade_${kind} PROPERTIES LABELS labs TIMEOUT 300
                         FIXTURES_REQUIRED lab_images)
  endforeach()
endforeach()

# The grader library on its own: timeouts, messages, JSON for the platforms, grader bugs.
add_test(NAME labs.gradelib
  COMMAND ${Python3_EXECUTABLE} ${lab_tests}/test_gradelib.py)
set_tests_properties(labs.gradelib PROPERTIES LABELS labs TIMEOUT 120)

# make handout: no solutions, no hidden tests; it builds and its starters grade. Then the
# Gradescope zip graded end to end (run_autograder) in a temp dir laid out like /autograder.
add_test(NAME labs.handout_and_autograder
  COMMAND ${Python3_EXECUTABLE} ${lab_tests}/test_handout.py --build-dir ${CMAKE_BINARY_DIR})
set_tests_properties(labs.handout_and_autograder PROPERTIES LABELS labs TIMEOUT 900)

# Each guide's GDB walkthrough, against a live session, so the guide cannot go stale.
foreach(config IN LISTS lab_configs)
  file(READ ${config} json)
  string(JSON number GET ${json} number)
  add_test(NAME labs.${number}.walkthrough
    COMMAND ${Python3_EXECUTABLE} ${lab_tests}/test_walkthrough.py --lab ${number}
            --build-dir ${CMAKE_BINARY_DIR})
  set_tests_properties(labs.${number}.walkthrough PROPERTIES LABELS labs TIMEOUT 180
                       FIXTURES_REQUIRED lab_images)
endforeach()
