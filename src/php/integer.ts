/** The range of PHP's integers (zend_long on a 64-bit build, as the legacy site ran). */
export const PHP_INT_MAX = 9223372036854775807n;
export const PHP_INT_MIN = -9223372036854775808n;
