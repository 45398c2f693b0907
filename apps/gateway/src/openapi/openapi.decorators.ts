import type * as Swagger from '@nestjs/swagger';

/** The @nestjs/swagger decorators the controllers use, under the same names and arguments. */
type SwaggerDecorators = Pick<typeof Swagger, 'ApiBearerAuth' | 'ApiBody' | 'ApiExcludeController' | 'ApiHeader' | 'ApiQuery' | 'ApiResponse' | 'ApiTags'>;
type AnyDecorator = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => unknown;
type Use = (swagger: SwaggerDecorators) => ClassDecorator | MethodDecorator;

interface Application {
  readonly use: Use;
  readonly target: object;
  readonly key: string | symbol | undefined;
  readonly descriptor: PropertyDescriptor | undefined;
}

let loaded: SwaggerDecorators | null = null;
const recorded: Application[] = [];

/**
 * @nestjs/swagger (with es-toolkit, js-yaml, the UI's files and @fastify/static: about 460 modules) is loaded when the
 * OpenAPI document is first asked for, not at start. Until then a controller's decorator is recorded where it was
 * applied, in the order TypeScript applied it, and applyOpenApiDecorators runs the real one on the same class or
 * method in that order: the metadata the document is built from is what the decorators would have written at start.
 */
function deferred(use: Use): ClassDecorator & MethodDecorator {
  const decorator: AnyDecorator = (target, key, descriptor) => {
    if (loaded !== null) apply(loaded, { use, target, key, descriptor });
    else recorded.push({ use, target, key, descriptor });
  };
  return decorator as ClassDecorator & MethodDecorator;
}

/** Swagger's decorators take what TypeScript passed: a class, or a prototype with a method's key and descriptor. */
function apply(swagger: SwaggerDecorators, application: Application): void {
  (application.use(swagger) as unknown as AnyDecorator)(application.target, application.key, application.descriptor);
}

/** Runs the recorded decorators, then lets any applied later go straight to swagger. Once per process is enough. */
export function applyOpenApiDecorators(swagger: SwaggerDecorators): void {
  loaded ??= swagger;
  for (const application of recorded.splice(0)) apply(loaded, application);
}

export const ApiBearerAuth = (...args: Parameters<SwaggerDecorators['ApiBearerAuth']>) => deferred((s) => s.ApiBearerAuth(...args));
export const ApiBody = (...args: Parameters<SwaggerDecorators['ApiBody']>) => deferred((s) => s.ApiBody(...args));
export const ApiExcludeController = (...args: Parameters<SwaggerDecorators['ApiExcludeController']>) => deferred((s) => s.ApiExcludeController(...args));
export const ApiHeader = (...args: Parameters<SwaggerDecorators['ApiHeader']>) => deferred((s) => s.ApiHeader(...args));
export const ApiQuery = (...args: Parameters<SwaggerDecorators['ApiQuery']>) => deferred((s) => s.ApiQuery(...args));
export const ApiResponse = (...args: Parameters<SwaggerDecorators['ApiResponse']>) => deferred((s) => s.ApiResponse(...args));
export const ApiTags = (...args: Parameters<SwaggerDecorators['ApiTags']>) => deferred((s) => s.ApiTags(...args));
