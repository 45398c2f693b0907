import 'reflect-metadata';
import * as swagger from '@nestjs/swagger';
import { ApiBearerAuth, ApiBody, ApiExcludeController, ApiHeader, ApiQuery, ApiResponse, ApiTags, applyOpenApiDecorators } from './openapi.decorators.js';

/** Every metadata key and value on a class and its methods, as the document builder would read them. */
function metadataOf(target: abstract new (...args: never[]) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Reflect.getMetadataKeys(target) as string[]) out[`class ${key}`] = Reflect.getMetadata(key, target);
  for (const name of Object.getOwnPropertyNames(target.prototype)) {
    if (name === 'constructor') continue;
    const method = (target.prototype as Record<string, object>)[name] as object;
    for (const key of Reflect.getMetadataKeys(method) as string[]) out[`${name} ${key}`] = Reflect.getMetadata(key, method);
  }
  return out;
}

const body = { schema: { type: 'object', properties: { name: { type: 'string' } } } } as const;

@swagger.ApiTags('things')
@swagger.ApiBearerAuth()
class Direct {
  @swagger.ApiQuery({ name: 'limit', required: false })
  @swagger.ApiQuery({ name: 'cursor', required: false })
  @swagger.ApiResponse({ status: 200, description: 'ok' })
  @swagger.ApiResponse({ status: 404, description: 'not found' })
  list(): string {
    return 'list';
  }

  @swagger.ApiBody(body)
  @swagger.ApiHeader({ name: 'If-Match', required: false })
  @swagger.ApiTags('writes')
  create(): string {
    return 'create';
  }
}

@ApiTags('things')
@ApiBearerAuth()
class Recorded {
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({ status: 200, description: 'ok' })
  @ApiResponse({ status: 404, description: 'not found' })
  list(): string {
    return 'list';
  }

  @ApiBody(body)
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiTags('writes')
  create(): string {
    return 'create';
  }
}

describe('OpenAPI decorators applied when @nestjs/swagger loads', () => {
  it('write nothing before swagger is loaded', () => {
    expect(metadataOf(Recorded)).toEqual({});
  });

  it('write, once applied, the same metadata in the same order as swagger applied at class definition', () => {
    applyOpenApiDecorators(swagger);
    expect(Object.keys(metadataOf(Direct)).length).toBeGreaterThan(5);
    expect(metadataOf(Recorded)).toEqual(metadataOf(Direct));
    applyOpenApiDecorators(swagger);
    expect(metadataOf(Recorded)).toEqual(metadataOf(Direct));
  });

  it('go straight to swagger for a class defined after it loaded', () => {
    @ApiExcludeController()
    class Later {}
    @swagger.ApiExcludeController()
    class LaterDirect {}
    expect(metadataOf(Later)).toEqual(metadataOf(LaterDirect));
    expect(metadataOf(Later)).toEqual({ 'class swagger/apiExcludeController': [true] });
  });
});
