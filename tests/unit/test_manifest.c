#include "helpers.h"
static void test_nothing(void **s){(void)s;}
int main(void){const struct CMUnitTest t[]={cmocka_unit_test(test_nothing)};return cmocka_run_group_tests(t,NULL,NULL);}
