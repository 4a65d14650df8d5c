/**
 * The service-provider interface: implement {@link io.persistenttimers.spi.Store} to add a backend.
 * Every store must pass the contract suite shipped in core's test-jar.
 */
package io.persistenttimers.spi;
