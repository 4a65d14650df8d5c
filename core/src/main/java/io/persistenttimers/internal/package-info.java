/** Implementation details. Not API: may change in any release without notice. */
package io.persistenttimers.internal;
