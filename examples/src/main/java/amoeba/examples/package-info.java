/** Example programs, each its own jar (examples/target/examples-NAME.jar). */
package amoeba.examples;
