package io.persistenttimers.internal;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persistenttimers.CallbackFactory;
import io.persistenttimers.TypedCallback;
import java.io.IOException;

/**
 * Binds a timer's params to the type a {@link TypedCallback} takes, with the host's {@link
 * ObjectMapper} when it gave one. The mapper may be set after typed callbacks were registered (the
 * builder's order is free), so factories read it when they bind.
 */
public final class ParamsBinder {
  private volatile ObjectMapper mapper = Json.MAPPER;

  public void mapper(ObjectMapper mapper) {
    this.mapper = Checks.requireNonNull(mapper, "objectMapper");
  }

  /** A factory that binds the params, then runs {@code callback} with them. */
  public <T> CallbackFactory factory(Class<T> paramsType, TypedCallback<T> callback) {
    Checks.requireNonNull(paramsType, "paramsType");
    Checks.requireNonNull(callback, "callback");
    return record -> {
      T params = bind(record.id(), record.params(), paramsType);
      return context -> callback.run(context, params);
    };
  }

  private <T> T bind(String id, String json, Class<T> type) {
    try {
      return mapper.readValue(json, type);
    } catch (JsonMappingException e) {
      // The message of a Jackson error can quote params content; name the type and the path only.
      throw new IllegalArgumentException(
          "params of timer '" + id + "' do not fit " + type.getName() + " at " + path(e));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "params of timer '" + id + "' do not fit " + type.getName());
    }
  }

  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder("$");
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append('.').append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }
}
