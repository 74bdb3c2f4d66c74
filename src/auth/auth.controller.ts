import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { StrictRateLimit } from '../common/http/rate-limit.guard';
import { AuthService } from './auth.service';
import { AuthResponseDto, LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto';
import { Public } from '../common/http/public.decorator';

@ApiTags('auth')
@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiOperation({ summary: 'Create an account and log in' })
  @StrictRateLimit()
  @ApiCreatedResponse({ type: AuthResponseDto })
  @ApiErrors(400, 409, 429)
  register(@Body() body: RegisterDto): Promise<AuthResponseDto> {
    return this.auth.register(body);
  }

  @Post('login')
  @ApiOperation({ summary: 'Log in with username and password' })
  @StrictRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiErrors(400, 401, 403, 429)
  login(@Body() body: LoginDto): Promise<AuthResponseDto> {
    return this.auth.login(body);
  }

  @Post('refresh')
  @ApiOperation({ summary: 'Exchange a refresh token for new tokens' })
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: AuthResponseDto, description: 'The presented refresh token stops working' })
  @ApiErrors(400, 401, 403)
  refresh(@Body() body: RefreshDto): Promise<AuthResponseDto> {
    return this.auth.refresh(body.refresh_token);
  }

  @Post('logout')
  @ApiOperation({ summary: 'Log out: end the login of a refresh token' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The login the refresh token belongs to is ended' })
  @ApiErrors(400)
  logout(@Body() body: RefreshDto): Promise<void> {
    return this.auth.logout(body.refresh_token);
  }
}
